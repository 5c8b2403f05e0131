package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
)

// tableStep creates table name; its apply runs during (it may block or
// cancel the run) between the statement and the commit.
type tableStep struct {
	name   string
	after  []string
	during func(ctx context.Context)
}

func (s *tableStep) Info() core.StepInfo {
	return core.StepInfo{ID: "test:" + s.name, After: s.after}
}

func (s *tableStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat.Tables[s.name] != nil {
		return &core.Plan{}, nil
	}
	return &core.Plan{Changes: []core.Change{{Summary: "create table " + s.name,
		Statements: []core.Statement{{SQL: "CREATE TABLE " + sess.Quote(s.name) + " (id INTEGER)"}}}}}, nil
}

func (s *tableStep) Apply(ctx context.Context, sess *core.Session, p *core.Plan) error {
	if _, err := sess.Exec(ctx, p.Changes[0].Statements[0]); err != nil {
		return err
	}
	if s.during != nil {
		s.during(ctx)
	}
	return ctx.Err()
}

// lastRun records what the recorder was told.
type lastRun struct{ status, err string }

func (l *lastRun) Record(_ context.Context, _ *core.Session, r *core.Report) error {
	l.status, l.err = r.Status, r.Error
	return nil
}

func interruptDriver(t *testing.T) *sqlite.Driver {
	t.Helper()
	return sqlitetest.Open(t)
}

func tableExists(t *testing.T, d *sqlite.Driver, name string) bool {
	t.Helper()
	var n int
	if err := d.DB().DB.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

var errSignal = errors.New("received SIGTERM")

// A run cancelled while a step applies lets that step commit, starts no
// other, and is reported and recorded as interrupted.
func TestInterruptedBetweenSteps(t *testing.T) {
	d := interruptDriver(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	first := &tableStep{name: "first", during: func(context.Context) { cancel(errSignal) }}
	second := &tableStep{name: "second", after: []string{"test:first"}}
	reg, err := core.NewRegistry(first, second)
	if err != nil {
		t.Fatal(err)
	}
	rec := &lastRun{}
	rep, err := core.NewRunner(d, reg, core.WithRecorder(rec)).Apply(ctx)
	if !errors.Is(err, core.ErrInterrupted) || !errors.Is(err, errSignal) {
		t.Fatalf("err = %v, want ErrInterrupted with the cause", err)
	}
	want := "core: interrupted (received SIGTERM) before step test:second; the steps before it are committed and the next run resumes"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if rep.Status != core.RunInterrupted || rep.Error != want {
		t.Errorf("report: status %q, error %q", rep.Status, rep.Error)
	}
	if rec.status != core.RunInterrupted || rec.err != want {
		t.Errorf("recorded: status %q, error %q; want the run's", rec.status, rec.err)
	}
	if !tableExists(t, d, "first") || tableExists(t, d, "second") {
		t.Errorf("first committed: %t, second started: %t", tableExists(t, d, "first"), tableExists(t, d, "second"))
	}
	// The next run resumes.
	if rep, err := core.NewRunner(d, reg).Apply(context.Background()); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("next run: %v, %+v", err, rep)
	}
}

// A step still applying when its grace runs out is cancelled and rolled
// back, and the error says so.
func TestInterruptedStepRollsBackAfterGrace(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the step grace")
	}
	d := interruptDriver(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var applyCtx context.Context
	step := &tableStep{name: "stuck", during: func(actx context.Context) {
		applyCtx = actx
		cancel(errSignal)
		<-actx.Done() // a statement that would never end
	}}
	reg, _ := core.NewRegistry(step)
	start := time.Now()
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	took := time.Since(start)
	var se *core.StepError
	if !errors.As(err, &se) || se.Step != "test:stuck" || !errors.Is(err, core.ErrInterrupted) {
		t.Fatalf("err = %v, want a StepError of test:stuck wrapping ErrInterrupted", err)
	}
	if !strings.Contains(err.Error(), "step test:stuck: apply: interrupted (received SIGTERM); rolled back after the 3s grace") {
		t.Errorf("message: %v", err)
	}
	if took < core.StepGrace || applyCtx.Err() == nil {
		t.Errorf("the step was cut after %s, before its grace", took)
	}
	if rep.Status != core.RunInterrupted || tableExists(t, d, "stuck") {
		t.Errorf("status %s, table committed: %t", rep.Status, tableExists(t, d, "stuck"))
	}
}

// A step over the step timeout fails, named, and is rolled back; the
// run is a failure, not an interruption. The timeout is a second, not
// less: the same deadline bounds the step's check, which a loaded
// machine can take tens of milliseconds to run.
func TestStepTimeout(t *testing.T) {
	d := interruptDriver(t)
	step := &tableStep{name: "slow", during: func(actx context.Context) { <-actx.Done() }}
	reg, _ := core.NewRegistry(step)
	rep, err := core.NewRunner(d, reg, core.WithStepTimeout(time.Second)).Apply(context.Background())
	var se *core.StepError
	if !errors.As(err, &se) || se.Step != "test:slow" || se.Phase != core.PhaseApply || !errors.Is(err, core.ErrStepTimeout) {
		t.Fatalf("err = %v, want a StepError of test:slow wrapping ErrStepTimeout", err)
	}
	want := "step test:slow: apply: step timed out after 1s, its statements cancelled and rolled back: context deadline exceeded"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if rep.Status != core.RunFailed || tableExists(t, d, "slow") {
		t.Errorf("status %s, table committed: %t", rep.Status, tableExists(t, d, "slow"))
	}
}
