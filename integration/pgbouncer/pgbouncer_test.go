//go:build integration

package pgbouncer_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// replicas is how many processes start at once in TestReplicas.
const replicas = 16

// TestReplicas: 16 processes run apply at once through PgBouncer in
// transaction mode. The lock mode is chosen automatically from the URL's
// pgbouncer=true. All succeed, exactly one changes anything, every one
// took the lease once, and the objects were created once.
func TestReplicas(t *testing.T) {
	srv, port := requireBouncer(t)
	db := newDatabase(t, srv)
	u := bouncerURL(port, db, "pgbouncer=true")
	testbin.Path(t) // build before the clock starts

	results := make([]testbin.Result, replicas)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = command(t, append([]string{"DATABASE_URL=" + u}, orgEnv...),
				"apply", "--include", "host:openwebui-tables", "-o", "json", "--log-level", "info", "--lock-timeout", "2m").Run()
		}()
	}
	wg.Wait()
	wall := time.Since(start)

	changed := 0
	var lockWaits, durations []float64
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("replica %d: %s", i, r)
			continue
		}
		if !strings.Contains(r.Stderr, `msg="lock mode" mode=lease why="auto: the URL has pgbouncer=true"`) {
			t.Errorf("replica %d did not choose the lease lock:\n%s", i, r.Stderr)
		}
		var rep core.Report
		if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
			t.Fatalf("replica %d: report: %v\n%s", i, err, r.Stdout)
		}
		if rep.Status != core.RunConverged {
			t.Errorf("replica %d: status %s", i, rep.Status)
		}
		if rep.Changed {
			changed++
		}
		lockWaits = append(lockWaits, rep.LockWaitMS)
		durations = append(durations, rep.DurationMS)
	}
	if changed != 1 {
		t.Errorf("%d replicas changed something, want exactly 1", changed)
	}
	sort.Float64s(lockWaits)
	sort.Float64s(durations)
	t.Logf("%d replicas through PgBouncer (transaction mode, pool of 10): all done in %s wall; "+
		"%d applied; lock wait median %.0f ms, max %.0f ms; run duration median %.0f ms, max %.0f ms",
		replicas, wall.Round(time.Millisecond), changed, lockWaits[len(lockWaits)/2], lockWaits[len(lockWaits)-1],
		durations[len(durations)/2], durations[len(durations)-1])

	conn := directDB(t, srv, db)
	// Only the run that changed something is recorded: the others found
	// nothing to do, before the lock or on the re-check under it.
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM groundwork_runs`); n != 1 {
		t.Errorf("%d runs in the history, want 1", n)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM groundwork_runs WHERE changed = 1`); n != 1 {
		t.Errorf("%d runs recorded a change, want 1", n)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM groundwork_runs WHERE status <> 'converged'`); n != 0 {
		t.Errorf("%d runs did not converge", n)
	}
	// Each replica that found work before the lock took the lease once,
	// one after the other; one that started after the first had applied
	// found nothing to do and took none.
	if tok := queryInt(t, conn, `SELECT token FROM groundwork_lock WHERE name = 'groundwork'`); tok < 1 || tok > replicas {
		t.Errorf("lease token %d, want 1 to %d (at most one per replica)", tok, replicas)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM organization_models WHERE organization_id = 'acme-dev'`); n != 12 {
		t.Errorf("%d model links, want the 12 built-in models", n)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relname IN ('client_organizations', 'organization_models', 'organization_members', 'user_available_models')`); n != 4 {
		t.Errorf("%d of the pack's 4 objects exist", n)
	}

	// A converged start through the pooler sends the catalog and the
	// first round of reads in one pipeline (a Sync after each statement:
	// each is a transaction of its own, which transaction pooling takes),
	// and never falls back to reading them apart.
	warm := command(t, append([]string{"DATABASE_URL=" + u}, orgEnv...),
		"apply", "--include", "host:openwebui-tables", "-o", "json", "--log-level", "debug").Run()
	if warm.Code != 0 {
		t.Fatalf("warm apply: %s", warm)
	}
	if strings.Contains(warm.Stderr, "reading them apart") || strings.Contains(warm.Stderr, "combined reads failed") {
		t.Errorf("warm apply through PgBouncer fell back to separate reads:\n%s", warm.Stderr)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(warm.Stdout), &rep); err != nil {
		t.Fatalf("warm apply: report: %v\n%s", err, warm.Stdout)
	}
	// The demo tables' step is selected: its guess is the catalog as it
	// is, single-row config included, so everything is one round trip.
	if rep.Changed || rep.Queries != 1 {
		t.Errorf("warm apply through PgBouncer: changed %t, %d queries; want none changed in 1", rep.Changed, rep.Queries)
	}
	t.Logf("measure: warm apply through PgBouncer (transaction mode): %d queries", rep.Queries)
}

// TestSessionLockUnsafeBehindPooler shows why the lease exists: through a
// transaction pooler with one server connection, two clients both "get"
// the session advisory lock, because the session holding it is shared;
// the lease keeps the second one out.
func TestSessionLockUnsafeBehindPooler(t *testing.T) {
	_, port := requireBouncer(t)
	ctx := context.Background()
	u := bouncerURL(port, singleDB, "")
	open := func(mode postgres.LockMode) *postgres.Driver {
		d, err := postgres.Open(ctx, u, postgres.WithLockMode(mode))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	a, b := open(postgres.LockSession), open(postgres.LockSession)
	la, err := a.Lock(ctx, "gw-unsafe", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.Lock(ctx, "gw-unsafe", 300*time.Millisecond)
	if err != nil {
		t.Fatalf("the session lock held its ground behind the pooler (%v): this test expects it not to", err)
	}
	t.Log("session mode through a transaction pooler: two runners hold the lock at once")
	_ = lb.Unlock(ctx)
	_ = la.Unlock(ctx)

	c, d := open(postgres.LockLease), open(postgres.LockLease)
	lc, err := c.Lock(ctx, "gw-unsafe", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(ctx, "gw-unsafe", 300*time.Millisecond); !errors.Is(err, core.ErrLockTimeout) {
		t.Fatalf("lease mode: second runner: %v, want a lock timeout", err)
	}
	if err := lc.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// slowDatabase makes a database, reached through the pooler, whose
// dev-population step is slow: users and a trigger that sleeps perRow
// for each membership inserted.
func slowDatabase(t *testing.T, users int, perRow string) (string, *pgx.Conn) {
	t.Helper()
	srv, port := requireBouncer(t)
	db := newDatabase(t, srv)
	u := bouncerURL(port, db, "pgbouncer=true")
	if r := command(t, []string{"DATABASE_URL=" + u}, "apply", "--include", "host:openwebui-tables").Run(); r.Code != 0 {
		t.Fatalf("set-up apply: %s", r)
	}
	conn := directDB(t, srv, db)
	mustExec(t, conn, `INSERT INTO "user" (id, name, email, role, created_at, updated_at)
		SELECT 'u' || i, 'User ' || i, 'u' || i || '@example.com', 'user', 0, 0 FROM generate_series(1, `+strconv.Itoa(users)+`) i`)
	mustExec(t, conn, `CREATE FUNCTION slow_member() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(`+perRow+`); RETURN NEW; END $$`)
	mustExec(t, conn, `CREATE TRIGGER slow_members BEFORE INSERT ON organization_members FOR EACH ROW EXECUTE FUNCTION slow_member()`)
	return u, conn
}

// TestStepTimeoutThroughPgBouncer: --step-timeout cancels a step stuck
// in the server (the cancel request goes through the pooler), the error
// names the step, nothing of it is committed and the lease is released.
func TestStepTimeoutThroughPgBouncer(t *testing.T) {
	u, conn := slowDatabase(t, 20, "0.5")
	r := command(t, append([]string{"DATABASE_URL=" + u}, orgEnv...), "apply", "--step-timeout", "1s").Run()
	t.Logf("%s", r)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1", r.Code)
	}
	want := regexp.MustCompile(`error: step orgaccess:dev-members: apply: step timed out after 1s, its statements cancelled and rolled back: add 20 eligible users as members of development organization acme-dev: .+`)
	if !want.MatchString(r.Stderr) {
		t.Errorf("stderr does not match %s", want)
	}
	if !strings.Contains(r.Stderr, "hint: a step ran longer than --step-timeout (GROUNDWORK_STEP_TIMEOUT)") {
		t.Errorf("no hint")
	}
	if r.Took > 10*time.Second {
		t.Errorf("apply took %s with a 1s step timeout: the statement was not cancelled", r.Took)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM organization_members`); n != 0 {
		t.Errorf("%d memberships committed by the timed-out step", n)
	}
	// The server is not still sleeping for the cancelled statement.
	deadline := time.Now().Add(5 * time.Second)
	for queryInt(t, conn, `SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%organization_members%' AND pid <> pg_backend_pid()`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the timed-out statement still runs on the server")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM groundwork_lock WHERE expires_at > clock_timestamp()`); n != 0 {
		t.Errorf("the lease was not released after the failed run")
	}
}

// TestSignalThroughPgBouncer: SIGTERM during a step, lease mode through
// the pooler: the step rolls back after the grace, the run is recorded
// as interrupted, the lease is released at once (not after its TTL), the
// process exits 143 within 5 seconds, and the next run converges.
func TestSignalThroughPgBouncer(t *testing.T) {
	u, conn := slowDatabase(t, 40, "0.25")
	cmd := command(t, append([]string{"DATABASE_URL=" + u}, orgEnv...), "apply", "--log-level", "info", "--lease-ttl", "30s")
	cmd.StartUntil(2*time.Minute, `msg="applying step"`, `step=orgaccess:dev-members`)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := cmd.Wait()
	took := time.Since(sent)
	t.Logf("SIGTERM to exit through PgBouncer: %s", took.Round(time.Millisecond))
	if exited.Code != 143 {
		t.Errorf("exit %d, want 143\n%s", exited.Code, exited.Stderr)
	}
	if took > 5*time.Second {
		t.Errorf("exit took %s after SIGTERM, more than 5s", took)
	}
	if !strings.Contains(exited.Stderr, "error: step orgaccess:dev-members: apply: interrupted (received SIGTERM); rolled back after the 3s grace") {
		t.Errorf("stderr:\n%s", exited.Stderr)
	}
	var status, errText string
	if err := conn.QueryRow(context.Background(), `SELECT status, COALESCE(error, '') FROM groundwork_runs ORDER BY id DESC LIMIT 1`).Scan(&status, &errText); err != nil {
		t.Fatal(err)
	}
	if status != "interrupted" || !strings.Contains(errText, "interrupted (received SIGTERM)") {
		t.Errorf("history: %q %q, want interrupted", status, errText)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM organization_members`); n != 0 {
		t.Errorf("%d memberships committed by the interrupted step", n)
	}
	mustExec(t, conn, `DROP TRIGGER slow_members ON organization_members`)
	// The lease TTL is 30s: a next run that does not wait proves it was
	// released, not left to expire.
	r := command(t, append([]string{"DATABASE_URL=" + u}, orgEnv...), "apply", "-o", "json", "--lock-timeout", "2s").Run()
	if r.Code != 0 {
		t.Fatalf("next apply: %s", r)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("next apply: %s, lock wait %.1f ms", rep.Status, rep.LockWaitMS)
	if rep.Status != core.RunConverged || rep.LockWaitMS > 1000 {
		t.Errorf("next apply: %s after waiting %.0f ms for the lock", rep.Status, rep.LockWaitMS)
	}
	if n := queryInt(t, conn, `SELECT COUNT(*) FROM organization_members`); n != 40 {
		t.Errorf("%d memberships after the next apply, want 40", n)
	}
}

// TestLeaseTimeoutMessage: the message of a runner that gave up waiting
// for the lease names the lease and its holder.
func TestLeaseTimeoutMessage(t *testing.T) {
	srv, port := requireBouncer(t)
	db := newDatabase(t, srv)
	u := bouncerURL(port, db, "pgbouncer=true")
	ctx := context.Background()
	d, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	held, err := d.Lock(ctx, "groundwork", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(ctx)
	r := command(t, []string{"DATABASE_URL=" + u}, "apply", "--lock-timeout", "500ms").Run()
	t.Logf("%s", r)
	want := regexp.MustCompile(`error: lock "groundwork \(lease in table groundwork_lock\)" held by pid \d+ on \S+, lease token 1 taken at \S+, expires in [\d.]+s unless renewed, waited \d+ms: lock wait timed out\nhint: another runner held the lock longer than --lock-timeout`)
	if r.Code != 75 || !want.MatchString(r.Stderr) { // 75: retry later
		t.Errorf("exit %d, stderr does not match %s", r.Code, want)
	}
}

// TestAutoModeOnUnhintedPort: PgBouncer on a port other than 6432 and no
// pgbouncer=true in the URL. Open sends its session timeouts as startup
// parameters, PgBouncer refuses them, and Open connects again without
// them, choosing the lease: a pooler the URL does not name still works.
func TestAutoModeOnUnhintedPort(t *testing.T) {
	_, port := requireBouncer(t)
	if port == postgres.PgBouncerPort {
		t.Skip("the bouncer listens on 6432, which the URL already gives away")
	}
	ctx := context.Background()
	d, err := postgres.Open(ctx, bouncerURL(port, singleDB, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mode, why := d.LockMode()
	if mode != postgres.LockLease || !strings.Contains(why, "refused the startup parameter") {
		t.Fatalf("lock mode %v (%s), want the lease chosen from the refusal", mode, why)
	}
	l, err := d.Lock(ctx, "gw-auto-unhinted", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
