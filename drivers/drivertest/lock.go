package drivertest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// LockContract is what RunLockTests needs to know of a driver's lock
// beyond driver.Driver.
type LockContract struct {
	// CheckError checks the dialect's part of the error of a runner that
	// gave up waiting for name: how it names the lock and its holder.
	CheckError func(t *testing.T, name string, le *driver.LockError)
	// KillHolder ends the server connection through which d holds the
	// lock name, as a crashed runner's would end. Nil when the lock dies
	// only with its process (SQLite's file lock): that case is skipped.
	KillHolder func(t *testing.T, d driver.Driver, name string)
	// LoseLock takes the lock name away from d while d's process lives
	// on (the server ends the idle lock connection; the lock file is
	// replaced). Nil means KillHolder; the lost-lock tests are skipped
	// when both are nil.
	LoseLock func(t *testing.T, d driver.Driver, name string)
	// LockRoundTrips is how many round trips taking a free lock and
	// releasing it cost (queries counted by driver.WithCounter).
	LockRoundTrips int64
}

func (c LockContract) lose() func(t *testing.T, d driver.Driver, name string) {
	if c.LoseLock != nil {
		return c.LoseLock
	}
	return c.KillHolder
}

// RunLockTests runs the lock contract every driver's Lock keeps: a
// waiter gives up after the wait asked with a LockError naming the
// holder; names are independent; unlocking frees the lock and its
// connection; a holder that dies leaves no stuck lock; the context ends
// the wait at once without leaking a connection; a lock lost while its
// runner lives is noticed before the runner's next write (Fencer,
// LockChecker), no second runner writes while a fenced commit of the
// first is under way, and a run whose lock is lost fails with
// driver.ErrLockLost without committing the step that found it.
func RunLockTests(t *testing.T, h coretest.Harness, c LockContract) {
	tests := []struct {
		name string
		fn   func(*testing.T, coretest.Opener, LockContract)
	}{
		{"TimeoutNamesHolder", testLockTimeoutNamesHolder},
		{"ReleasedWhenHolderDies", testLockReleasedWhenHolderDies},
		{"HonoursContext", testLockHonoursContext},
		{"LostLockIsFenced", testLostLockIsFenced},
		{"LostLockStopsTheRun", testLostLockStopsTheRun},
		{"SessionCheckLock", testSessionCheckLock},
		{"RoundTrips", testLockRoundTrips},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t), c) })
	}
}

func testLockTimeoutNamesHolder(t *testing.T, open coretest.Opener, c LockContract) {
	a, b := open(t), open(t)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-lock-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = b.Lock(ctx, "gw-lock-test", 200*time.Millisecond)
	waited := time.Since(start)
	var le *driver.LockError
	if !errors.Is(err, driver.ErrLockTimeout) || !errors.As(err, &le) {
		t.Fatalf("second lock: %v, want a LockError with ErrLockTimeout", err)
	}
	if waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("gave up after %s, want about 200ms", waited)
	}
	c.CheckError(t, "gw-lock-test", le)
	t.Logf("%v", err)

	// Another name is independent.
	other, err := b.Lock(ctx, "gw-lock-test-2", 0)
	if err != nil {
		t.Fatalf("another name: %v", err)
	}
	if err := other.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	if err := held.Unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	again, err := b.Lock(ctx, "gw-lock-test", time.Second)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := again.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// Unlock gave the connection back to the pool.
	if n := a.DB().Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use after unlock", n)
	}
}

func testLockReleasedWhenHolderDies(t *testing.T, open coretest.Opener, c LockContract) {
	if c.KillHolder == nil {
		t.Skip("the lock dies only with its process: no connection to kill")
	}
	a, b := open(t), open(t)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-kill-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "gw-kill-test", 50*time.Millisecond); !errors.Is(err, driver.ErrLockTimeout) {
		t.Fatalf("lock is not held: %v", err)
	}
	c.KillHolder(t, a, "gw-kill-test")
	got, err := b.Lock(ctx, "gw-kill-test", 5*time.Second)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	if err := got.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// The dead holder's Unlock reports the failure and does not hang.
	if err := held.Unlock(ctx); err == nil {
		t.Errorf("unlock on a killed connection reported success")
	}
	// Its pool still works.
	if err := a.DB().PingContext(ctx); err != nil {
		t.Fatalf("pool after a discarded lock connection: %v", err)
	}
}

func testLockHonoursContext(t *testing.T, open coretest.Opener, _ LockContract) {
	a, b := open(t), open(t)
	held, err := a.Lock(context.Background(), "gw-ctx-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = b.Lock(ctx, "gw-ctx-test", time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the lock ignored its context for %s", time.Since(start))
	}
	// Waiting did not leak connections.
	if n := b.DB().Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use after a failed lock", n)
	}
}

// testLostLockIsFenced: the lock of runner a is lost while a step
// transaction of a, already fenced, is open. Runner b takes the lock and
// writes; b's write must not land before a's commit (the fence orders
// them), and a's next fence or check reports driver.ErrLockLost.
func testLostLockIsFenced(t *testing.T, open coretest.Opener, c LockContract) {
	lose := c.lose()
	if lose == nil {
		t.Skip("no way to take the lock away from a living holder")
	}
	a, b := open(t), open(t)
	ctx := context.Background()
	const name = "gw-lost-test"
	held, err := a.Lock(ctx, name, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fencer, _ := held.(driver.Fencer)
	checker, _ := held.(driver.LockChecker)
	if fencer == nil && checker == nil {
		t.Fatalf("%T can be lost while its runner lives but is neither a driver.Fencer nor a driver.LockChecker", held)
	}
	if checker != nil {
		if err := checker.CheckLock(ctx); err != nil {
			t.Fatalf("check while held: %v", err)
		}
	}
	var tx *sql.Tx
	if fencer != nil {
		if tx, err = a.DB().DB.BeginTx(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "CREATE TABLE gw_fenced_first (id INTEGER)"); err != nil {
			t.Fatal(err)
		}
		if err := fencer.Fence(ctx, tx); err != nil {
			t.Fatalf("fence while held: %v", err)
		}
	}
	lose(t, a, name)

	type result struct {
		lock driver.Lock
		err  error
	}
	second := make(chan result, 1)
	go func() {
		l, err := b.Lock(ctx, name, 30*time.Second)
		if err == nil {
			_, err = b.DB().ExecContext(ctx, "CREATE TABLE gw_second (id INTEGER)")
		}
		second <- result{l, err}
	}()
	if tx != nil {
		// Not a timing assert: on a slow machine b merely has less
		// chance to show the bug.
		select {
		case r := <-second:
			t.Errorf("the second runner wrote (err %v) while the first's fenced transaction was still open", r.err)
			second <- r
		case <-time.After(300 * time.Millisecond):
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("commit of the transaction fenced before the loss: %v", err)
		}
	}
	r := <-second
	if r.err != nil {
		t.Fatalf("second runner: %v", r.err)
	}
	defer r.lock.Unlock(ctx)

	if fencer != nil {
		tx2, err := a.DB().DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = fencer.Fence(ctx, tx2)
		_ = tx2.Rollback()
		if !errors.Is(err, driver.ErrLockLost) {
			t.Errorf("fence after the lock was lost: %v, want driver.ErrLockLost", err)
		} else {
			t.Logf("fence: %v", err)
		}
	}
	if checker != nil {
		if err := checker.CheckLock(ctx); !errors.Is(err, driver.ErrLockLost) {
			t.Errorf("check after the lock was lost: %v, want driver.ErrLockLost", err)
		} else {
			t.Logf("check: %v", err)
		}
	}
	_ = held.Unlock(ctx)
}

// loseLockStep takes the run's lock away when it is checked, then plans
// a table: the write that must not happen.
type loseLockStep struct {
	lose func()
}

func (s loseLockStep) Info() core.StepInfo {
	return core.StepInfo{ID: "test:lose-lock", Description: "takes the lock away, then plans a table", After: []string{"test:first"}}
}

func (s loseLockStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	s.lose()
	return &core.Plan{Changes: []core.Change{{Summary: "create table gw_after_loss",
		Statements: []driver.Statement{{SQL: "CREATE TABLE gw_after_loss (id INTEGER)"}}}}}, nil
}

type tableStep struct{ id, table string }

func (s tableStep) Info() core.StepInfo {
	return core.StepInfo{ID: s.id, Description: "creates " + s.table}
}

func (s tableStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	return &core.Plan{Changes: []core.Change{{Summary: "create table " + s.table,
		Statements: []driver.Statement{{SQL: "CREATE TABLE " + s.table + " (id INTEGER)"}}}}}, nil
}

// testLostLockStopsTheRun: a run whose lock is lost between two steps
// fails with driver.ErrLockLost, writes nothing more, and its report is
// not a success.
func testLostLockStopsTheRun(t *testing.T, open coretest.Opener, c LockContract) {
	lose := c.lose()
	if lose == nil {
		t.Skip("no way to take the lock away from a living holder")
	}
	d := open(t)
	var once sync.Once // the verify phase of a run that went on checks again
	reg, err := core.NewRegistry(tableStep{"test:first", "gw_before_loss"},
		loseLockStep{lose: func() { once.Do(func() { lose(t, d, "gw-run-lost") }) }})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg, core.WithLockName("gw-run-lost"), core.WithLockTimeout(10*time.Second)).Apply(context.Background())
	if !errors.Is(err, driver.ErrLockLost) {
		t.Fatalf("apply: %v, want driver.ErrLockLost\n%s", err, coretest.Dump(rep))
	}
	if rep.Status != core.RunFailed {
		t.Errorf("report status %s, want %s", rep.Status, core.RunFailed)
	}
	t.Logf("%v", err)
	cat, err := open(t).Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	// Where DDL is transactional the two steps share one transaction
	// (the runner groups them), so the first one's commit comes after the
	// loss and the fence refuses it: nothing is written. Elsewhere the
	// first step committed before the loss.
	if before := cat.Tables["gw_before_loss"] != nil; before != !transactionalDDL(d) {
		t.Errorf("the step before the loss committed: %t, want %t", before, !transactionalDDL(d))
	}
	if cat.Tables["gw_after_loss"] != nil {
		t.Errorf("the step after the loss wrote")
	}
	// The lock is free for the next run.
	l, err := open(t).Lock(context.Background(), "gw-run-lost", 10*time.Second)
	if err != nil {
		t.Fatalf("lock after the failed run: %v", err)
	}
	_ = l.Unlock(context.Background())
}

// checkingStep is an Applier that takes the lock away, then asks the
// session whether the lock is still held, as a step that commits in
// chunks of its own would before each chunk.
type checkingStep struct {
	lose func()
	seen *error
}

func (s checkingStep) Info() core.StepInfo {
	return core.StepInfo{ID: "test:check-lock", Description: "checks the lock from inside a step"}
}

func (s checkingStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	return &core.Plan{Changes: []core.Change{{Summary: "write in chunks"}}}, nil
}

func (s checkingStep) Apply(ctx context.Context, sess *core.Session, _ *core.Plan) error {
	if err := sess.CheckLock(ctx); err != nil {
		return fmt.Errorf("before the loss: %w", err)
	}
	s.lose()
	*s.seen = sess.CheckLock(ctx)
	return *s.seen
}

// testSessionCheckLock: Session.CheckLock, for steps that commit on their
// own, sees the run's lock lost.
func testSessionCheckLock(t *testing.T, open coretest.Opener, c LockContract) {
	lose := c.lose()
	if lose == nil {
		t.Skip("no way to take the lock away from a living holder")
	}
	d := open(t)
	var seen error
	var once sync.Once
	reg, err := core.NewRegistry(checkingStep{lose: func() { once.Do(func() { lose(t, d, "gw-step-check") }) }, seen: &seen})
	if err != nil {
		t.Fatal(err)
	}
	_, err = core.NewRunner(d, reg, core.WithLockName("gw-step-check"), core.WithLockTimeout(10*time.Second)).Apply(context.Background())
	if !errors.Is(seen, driver.ErrLockLost) || !errors.Is(err, driver.ErrLockLost) {
		t.Fatalf("Session.CheckLock after the loss: %v; run: %v; want driver.ErrLockLost", seen, err)
	}
}

// transactionalDDL reports the driver's capability as the runner reads it.
func transactionalDDL(d driver.Driver) bool {
	if cr, ok := d.(driver.CapabilityReporter); ok {
		return cr.Capabilities().TransactionalDDL
	}
	return true
}

// testLockRoundTrips: taking and releasing a free lock costs the
// driver's LockRoundTrips, and the writes of a run add no round trip of
// the lock's: a cold apply of four tables costs three round trips more
// than one of one table, the three statements (the fence of a shared
// transaction, a GET_LOCK run's writes on the lock's own connection).
func testLockRoundTrips(t *testing.T, open coretest.Opener, c LockContract) {
	d := open(t)
	ctx := context.Background()
	const name = "gw-round-trips"
	var n driver.Counter
	cctx := driver.WithCounter(ctx, &n)
	l, err := d.Lock(cctx, name, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(cctx); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != c.LockRoundTrips {
		t.Errorf("take and release a free lock: %d round trips, want %d", got, c.LockRoundTrips)
	}
	apply := func(tables int) int64 {
		t.Helper()
		var steps []core.Step
		for i := range tables {
			steps = append(steps, schema.Table(model.Table{Name: fmt.Sprintf("gw_rt_%d_%d", tables, i),
				Columns: []model.Column{{Name: "id", Type: model.Text, NotNull: true}}, PrimaryKey: []string{"id"}}))
		}
		reg, err := core.NewRegistry(steps...)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := core.NewRunner(d, reg, core.WithLockName(name)).Apply(ctx)
		if err != nil || rep.Status != core.RunConverged || !rep.Changed {
			t.Fatalf("cold apply of %d tables: %v\n%s", tables, err, coretest.Dump(rep))
		}
		return rep.Queries
	}
	one, four := apply(1), apply(4)
	if four-one != 3 {
		t.Errorf("cold apply: %d round trips with one table, %d with four; want three more (the statements), no check of the lock per statement", one, four)
	}
	t.Logf("lock: %d round trips; cold apply: %d round trips with one table, %d with four", n.Load(), one, four)
}
