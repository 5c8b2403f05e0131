package history_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/schema"
)

const secret = "sk-or-v1-topsecretvalue"

// failing is a step whose check fails with a secret in its message.
type failing struct{}

func (failing) Info() core.StepInfo { return core.StepInfo{ID: "test:failing", OptIn: true} }
func (failing) Check(context.Context, *core.Session) (*core.Plan, error) {
	return nil, errors.New("upstream said: bad key " + secret)
}

func TestRecordAndList(t *testing.T) {
	ctx := context.Background()
	d, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	reg, err := core.NewRegistry(
		schema.Table(core.Table{Name: "things", Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}}),
		failing{},
	)
	if err != nil {
		t.Fatal(err)
	}
	mask := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	rec := &history.Recorder{Host: "host-1", Version: "v9", Mask: mask}

	if runs, err := history.List(ctx, d, 10); err != nil || len(runs) != 0 {
		t.Fatalf("List before any run = %v, %v; want empty", runs, err)
	}
	first, err := core.NewRunner(d, reg, core.WithRecorder(rec)).Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A converged run is recorded only when asked to; by default it
	// writes nothing.
	if _, err := core.NewRunner(d, reg, core.WithRecorder(rec)).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if runs, err := history.List(ctx, d, 10); err != nil || len(runs) != 1 {
		t.Fatalf("a converged run was recorded: %v, %v", runs, err)
	}
	if _, err := core.NewRunner(d, reg, core.WithRecorder(rec), core.WithRecordAll(true)).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = core.NewRunner(d, reg, core.WithRecorder(rec), core.WithSelection(core.Selection{IDs: []string{"test:failing"}})).Apply(ctx)
	if err == nil {
		t.Fatal("the failing step did not fail")
	}
	// Plan and verify runs are not recorded.
	if _, err := core.NewRunner(d, reg, core.WithRecorder(rec)).Verify(ctx); err != nil {
		t.Fatal(err)
	}

	runs, err := history.List(ctx, d, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs recorded, want 3: %+v", len(runs), runs)
	}
	failed, second, firstRun := runs[0], runs[1], runs[2]
	if !(failed.ID > second.ID && second.ID > firstRun.ID) {
		t.Fatalf("runs not newest first: %d %d %d", failed.ID, second.ID, firstRun.ID)
	}
	if firstRun.Status != core.RunConverged || !firstRun.Changed || firstRun.StepsChanged != 1 || firstRun.Mode != core.ModeApply {
		t.Fatalf("first run recorded as %+v", firstRun)
	}
	if firstRun.Host != "host-1" || firstRun.Version != "v9" || firstRun.Error != "" {
		t.Fatalf("first run recorded as %+v", firstRun)
	}
	sum := sha256.Sum256([]byte(strings.Join(first.Steps[0].SQL, "\n") + "\n"))
	if firstRun.PlanHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("plan hash %s, want the sha256 of %q", firstRun.PlanHash, first.Steps[0].SQL)
	}
	if second.Changed || second.StepsChanged != 0 || second.Status != core.RunConverged || second.PlanHash != "" {
		t.Fatalf("second run recorded as %+v; want no plan hash for a run that planned nothing", second)
	}
	if len(firstRun.Steps) != 0 {
		t.Fatalf("List returned steps: %+v", firstRun.Steps)
	}

	// Get: the steps that were not simply ok, with their changes and errors.
	got, err := history.Get(ctx, d, firstRun.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Steps) != 1 || got.Steps[0].ID != "table:things" || got.Steps[0].Status != core.StatusApplied ||
		len(got.Steps[0].Changes) != 1 || got.Steps[0].Changes[0] != "create table things" {
		t.Fatalf("Get(first run).Steps = %+v", got.Steps)
	}
	if got, err := history.Get(ctx, d, second.ID); err != nil || len(got.Steps) != 0 {
		t.Fatalf("Get(no-op run) = %+v, %v; want no steps", got, err)
	}
	got, err = history.Get(ctx, d, failed.ID)
	if err != nil || len(got.Steps) != 1 || got.Steps[0].Status != core.StatusFailed || strings.Contains(got.Steps[0].Error, secret) || !strings.Contains(got.Steps[0].Error, "***") {
		t.Fatalf("Get(failed run) = %+v, %v; want the failed step, its error masked", got, err)
	}
	if _, err := history.Get(ctx, d, 999); !errors.Is(err, history.ErrNotFound) {
		t.Fatalf("Get(999) error %v, want ErrNotFound", err)
	}
	if failed.Status != core.RunFailed || !strings.Contains(failed.Error, "test:failing") {
		t.Fatalf("failed run recorded as %+v", failed)
	}
	if strings.Contains(failed.Error, secret) || !strings.Contains(failed.Error, "***") {
		t.Fatalf("stored error is not masked: %q", failed.Error)
	}
	if firstRun.Duration() < 0 || firstRun.StartedAt.IsZero() {
		t.Fatalf("times %v → %v", firstRun.StartedAt, firstRun.FinishedAt)
	}

	if runs, err := history.List(ctx, d, 1); err != nil || len(runs) != 1 || runs[0].ID != failed.ID {
		t.Fatalf("List(limit 1) = %+v, %v", runs, err)
	}
	if _, err := history.List(ctx, d, 0); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("List(limit 0) error %v, want ErrInvalid", err)
	}
}

func TestTableValid(t *testing.T) {
	if err := history.Table().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestOlderTableGainsSteps: a groundwork_runs table of an older version
// (no steps column) is read as it is and gains the column on the next
// recorded run.
func TestOlderTableGainsSteps(t *testing.T) {
	ctx := context.Background()
	d, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.DB().DB.Exec(`CREATE TABLE groundwork_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
  host TEXT, version TEXT, mode TEXT NOT NULL, status TEXT NOT NULL, changed INTEGER NOT NULL DEFAULT 0, steps_changed INTEGER NOT NULL DEFAULT 0, plan_hash TEXT, error TEXT);
INSERT INTO groundwork_runs (started_at, finished_at, mode, status) VALUES (1, 2, 'apply', 'converged')`); err != nil {
		t.Fatal(err)
	}
	if r, err := history.Get(ctx, d, 1); err != nil || r.Status != core.RunConverged || len(r.Steps) != 0 {
		t.Fatalf("Get on the older table = %+v, %v", r, err)
	}
	reg, err := core.NewRegistry(schema.Table(core.Table{Name: "things", Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithRecorder(&history.Recorder{})).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := history.Get(ctx, d, 2); err != nil || len(r.Steps) != 1 || r.Steps[0].ID != "table:things" {
		t.Fatalf("Get after a run on the older table = %+v, %v", r, err)
	}
}
