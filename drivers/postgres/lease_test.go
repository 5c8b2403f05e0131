package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

func openLease(t *testing.T, url string, ttl time.Duration) *Driver {
	t.Helper()
	d, err := Open(context.Background(), url, WithLockMode(LockLease), WithLeaseTTL(ttl))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if m, _ := d.LockMode(); m != LockLease {
		t.Fatalf("lock mode %s, want lease", m)
	}
	return d
}

func TestLeaseExcludesAndNamesHolder(t *testing.T) {
	url := newSchema(t)
	a, b := openLease(t, url, DefaultLeaseTTL), openLease(t, url, DefaultLeaseTTL)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-lease", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(ctx, "gw-lease", 200*time.Millisecond)
	var le *driver.LockError
	if !errors.Is(err, driver.ErrLockTimeout) || !errors.As(err, &le) {
		t.Fatalf("second lock: %v, want a LockError with ErrLockTimeout", err)
	}
	t.Logf("%v", err)
	want := regexp.MustCompile(`^lock "gw-lease \(lease in table groundwork_lock\)" held by pid \d+ on \S+, lease token 1 taken at \S+Z, expires in \d+(\.\d+)?s unless renewed, waited \d+ms: lock wait timed out$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("message %q does not match %s", err, want)
	}
	if err := held.Unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	// Released at once: the next runner does not wait for the TTL (the
	// wait bound is a third of it, so taking the lock proves that).
	again, err := b.Lock(ctx, "gw-lease", DefaultLeaseTTL/3)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if tok := again.(*leaseLock).token; tok != 2 {
		t.Errorf("token %d after one holder, want 2: tokens only grow", tok)
	}
	if err := again.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseExpiresWhenHolderDies: a holder that stops renewing (killed)
// keeps the others out until its lease expires, no longer; its late
// writes are fenced off.
func TestLeaseExpiresWhenHolderDies(t *testing.T) {
	url := newSchema(t)
	ttl := 2 * time.Second
	a, b := openLease(t, url, ttl), openLease(t, url, ttl)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-lease", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	dead := held.(*leaseLock)
	dead.stop() // the holder dies: no more heartbeats, no release
	<-dead.done
	start := time.Now()
	got, err := b.Lock(ctx, "gw-lease", 10*time.Second)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	waited := time.Since(start)
	t.Logf("waited %s for a dead holder's lease (TTL %s)", waited.Round(time.Millisecond), ttl)
	if waited > ttl+time.Second {
		t.Errorf("waited %s, more than the TTL %s", waited, ttl)
	}
	// The dead holder's step cannot commit any more.
	tx, err := a.DB().DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.Fence(ctx, tx); !errors.Is(err, driver.ErrLockLost) {
		t.Errorf("fence of the dead holder: %v, want ErrLockLost", err)
	}
	_ = tx.Rollback()
	if err := dead.Unlock(ctx); !errors.Is(err, driver.ErrLockLost) {
		t.Errorf("unlock of the dead holder: %v, want ErrLockLost", err)
	}
	if err := got.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseHeartbeatKeepsIt: a live holder keeps its lease well past
// the TTL.
func TestLeaseHeartbeatKeepsIt(t *testing.T) {
	url := newSchema(t)
	ttl := time.Second
	a, b := openLease(t, url, ttl), openLease(t, url, ttl)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-lease", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "gw-lease", 3*ttl); !errors.Is(err, driver.ErrLockTimeout) {
		t.Fatalf("a heartbeating lease was taken after %s: %v", 3*ttl, err)
	}
	if err := held.Unlock(ctx); err != nil {
		t.Fatalf("unlock after %s: %v", 3*ttl, err)
	}
}

// fencedStep creates a table and, between its statement and the commit,
// lets steal take the run's lease away.
type fencedStep struct{ steal func() }

func (s *fencedStep) Info() core.StepInfo { return core.StepInfo{ID: "test:fenced"} }

func (s *fencedStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat.Tables["fenced"] != nil {
		return &core.Plan{}, nil
	}
	return &core.Plan{Changes: []core.Change{{Summary: "create table fenced",
		Statements: []driver.Statement{{SQL: "CREATE TABLE fenced (id integer)"}}}}}, nil
}

func (s *fencedStep) Apply(ctx context.Context, sess *core.Session, p *core.Plan) error {
	for _, st := range p.Changes[0].Statements {
		if _, err := sess.Exec(ctx, st); err != nil {
			return err
		}
	}
	if s.steal != nil {
		s.steal()
	}
	return nil
}

// TestLeaseFencesSteps: a runner whose lease was taken over (it expired
// while the runner was paused) cannot commit its step.
func TestLeaseFencesSteps(t *testing.T) {
	url := newSchema(t)
	d, thief := openLease(t, url, DefaultLeaseTTL), openLease(t, url, DefaultLeaseTTL)
	ctx := context.Background()
	var stolen driver.Lock
	step := &fencedStep{steal: func() {
		// As if the runner had paused past its TTL: the lease expires
		// and another runner takes it.
		if _, err := thief.DB().ExecContext(ctx, "UPDATE groundwork_lock SET expires_at = clock_timestamp() - interval '1 second'"); err != nil {
			t.Error(err)
			return
		}
		var err error
		if stolen, err = thief.Lock(ctx, "groundwork", time.Second); err != nil {
			t.Errorf("take over the expired lease: %v", err)
		}
	}}
	reg, err := core.NewRegistry(step)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	var se *core.StepError
	if !errors.Is(err, driver.ErrLockLost) || !errors.As(err, &se) || se.Step != "test:fenced" || se.Phase != core.PhaseApply {
		t.Fatalf("apply: %v, want a StepError of test:fenced wrapping ErrLockLost", err)
	}
	t.Logf("%v", err)
	if rep.Status != core.RunFailed {
		t.Errorf("status %s, want failed", rep.Status)
	}
	var exists bool
	if err := d.DB().QueryRowContext(ctx, "SELECT to_regclass('fenced') IS NOT NULL").Scan(&exists); err != nil || exists {
		t.Fatalf("the fenced step committed its table (exists=%t, err=%v)", exists, err)
	}
	if stolen == nil {
		t.Fatal("the lease was not taken over")
	}
	if err := stolen.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	step.steal = nil
	if rep, err := core.NewRunner(d, reg).Apply(ctx); err != nil || !rep.Changed {
		t.Fatalf("next apply: changed=%t err=%v", rep.Changed, err)
	}
}

// TestLeaseConcurrentRunners: runners racing on a schema without the
// lease table all get the lease, one at a time, each with its own token.
func TestLeaseConcurrentRunners(t *testing.T) {
	url := newSchema(t)
	const n = 8
	var (
		mu      sync.Mutex
		tokens  = map[int64]bool{}
		holding int
		wg      sync.WaitGroup
	)
	for i := 0; i < n; i++ {
		d := openLease(t, url, DefaultLeaseTTL)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := d.Lock(context.Background(), "gw-race", 30*time.Second)
			if err != nil {
				t.Errorf("lock: %v", err)
				return
			}
			mu.Lock()
			holding++
			if holding > 1 {
				t.Errorf("%d runners hold the lease at once", holding)
			}
			tokens[l.(*leaseLock).token] = true
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			holding--
			mu.Unlock()
			if err := l.Unlock(context.Background()); err != nil {
				t.Errorf("unlock: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(tokens) != n {
		t.Errorf("%d distinct tokens for %d holders", len(tokens), n)
	}
}

func TestLockModeAuto(t *testing.T) {
	tests := []struct {
		url  string
		want LockMode
	}{
		{"postgres://u@db:5432/app", LockSession},
		{"postgres://u@db/app", LockSession},
		{"postgres://u@pgbouncer:6432/app", LockLease},
		{"postgres://u@db:5432/app?pgbouncer=true", LockLease},
		{"postgres://u@db:5432/app?pgbouncer=false", LockSession},
		{"postgres://u@db:5432/app?pool_mode=transaction", LockLease},
		{"postgres://u@db:5432/app?pool_mode=session", LockSession},
		{"host=db port=6432 dbname=app", LockLease},
	}
	for _, tt := range tests {
		cfg, err := pgx.ParseConfig(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		c := newLockConfig(nil)
		c.resolve(cfg)
		if c.mode != tt.want {
			t.Errorf("%s: mode %s (%s), want %s", tt.url, c.mode, c.why, tt.want)
		}
		for _, p := range poolerParams {
			if _, ok := cfg.RuntimeParams[p]; ok {
				t.Errorf("%s: the hint %s would be sent to the server", tt.url, p)
			}
		}
	}
	// A chosen mode wins over the URL.
	cfg, _ := pgx.ParseConfig("postgres://u@pgbouncer:6432/app")
	c := newLockConfig([]Option{WithLockMode(LockSession)})
	c.resolve(cfg)
	if c.mode != LockSession {
		t.Errorf("chosen session mode became %s", c.mode)
	}
	if c := newLockConfig([]Option{WithLeaseTTL(time.Millisecond)}); c.ttl != MinLeaseTTL {
		t.Errorf("a 1ms TTL became %s, want the minimum %s", c.ttl, MinLeaseTTL)
	}
}

func TestParseLockMode(t *testing.T) {
	for in, want := range map[string]LockMode{"": LockAuto, "auto": LockAuto, " Lease ": LockLease, "SESSION": LockSession} {
		if got, err := ParseLockMode(in); err != nil || got != want {
			t.Errorf("ParseLockMode(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseLockMode("advisory"); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("ParseLockMode(advisory): %v, want ErrInvalid", err)
	}
}

func ExampleWithLockMode() {
	ctx := context.Background()
	// Behind PgBouncer in transaction mode: a lease, not a session lock.
	d, err := Open(ctx, "postgres://app@pgbouncer:6432/app", WithLockMode(LockLease), WithLeaseTTL(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
}
