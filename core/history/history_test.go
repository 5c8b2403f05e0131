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
	if second.Changed || second.StepsChanged != 0 || second.Status != core.RunConverged {
		t.Fatalf("second run recorded as %+v", second)
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
