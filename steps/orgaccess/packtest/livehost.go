package packtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// Bounds of the live-host tests: every loop stops at a count, and the
// whole test at a deadline. The writer's count bounds the time: once it
// stops, one more run takes its last users and the rest find nothing.
const (
	liveRunners   = 16  // concurrent runners, each with its own driver
	liveRounds    = 2   // applies per runner
	liveWriterOps = 300 // host writes, one every liveWriterGap or so
	liveWriterGap = 3 * time.Millisecond
	liveDeadline  = 2 * time.Minute
)

// runLiveHost runs the pack beside Open WebUI writing, on the real
// v0.10.2 schema and rows: the runner's check without the lock, then
// lock and re-check, must hold while the host signs users up, approves
// pending ones and deletes members.
func runLiveHost(t *testing.T, h coretest.Harness) {
	t.Run("LiveHost", func(t *testing.T) {
		gen := openwebuitest.V0_10_2
		dialect := h.NewDatabase(t)(t).Dialect()
		if _, err := openwebuitest.Schema(dialect, gen); err != nil {
			t.Skipf("no Open WebUI %s schema on %s", gen, dialect)
		}
		// Where the host's deletes still fail a batch (hostDeleteBug),
		// the runners meet sign-ups and approvals here and the deletes in
		// a test of their own, skipped until the fix lands.
		bug := hostDeleteBug[dialect]
		t.Run("RunnersBesideWritingHost", func(t *testing.T) { testRunnersBesideWriter(t, h.NewDatabase(t), gen, bug == "") })
		if bug != "" {
			t.Run("RunnersBesideHostDeletes", func(t *testing.T) {
				t.Skip(bug)
				testRunnersBesideWriter(t, h.NewDatabase(t), gen, true)
			})
		}
		if dialect == "postgres" {
			t.Run("HostDeletesUserDuringBatch", func(t *testing.T) {
				if bug != "" {
					t.Skip(bug)
				}
				testHostDeletesDuringBatch(t, h.NewDatabase(t), gen)
			})
		}
		if dialect == "sqlite" {
			t.Run("HostHoldsWriteLockDuringProbe", func(t *testing.T) { testHostHoldsWriteLock(t, h.NewDatabase(t), gen) })
		}
	})
}

// hostDeleteBug names, by dialect, a known bug that fails a runner while
// Open WebUI deletes users; none is known now. (PostgreSQL's was a
// dev-members batch failing with SQLSTATE 40001 when the host deleted a
// user it was inserting; core now runs such a batch again:
// core.ConflictReporter.)
var hostDeleteBug = map[string]string{}

// liveRunner runs the pack with the run history (record-all off: only
// runs that changed something, failed, drifted or were interrupted are
// recorded).
func liveRunner(t *testing.T, d core.Driver, opts ...core.Option) *core.Runner {
	t.Helper()
	return core.NewRunner(d, registry(t, DevConfig(), false),
		append([]core.Option{core.WithRecorder(history.NewRecorder("packtest", nil)), core.WithLockTimeout(30 * time.Second)}, opts...)...)
}

// liveApply runs one apply with liveRunner and fails the test, naming
// what, unless it converged.
func liveApply(t *testing.T, d core.Driver, what string) {
	t.Helper()
	if rep, err := liveRunner(t, d).Apply(context.Background()); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("%s: %v\n%s", what, err, coretest.Dump(rep))
	}
}

// hostWriter is Open WebUI writing its user table on its own
// connections, the way it does: a sign-up is one INSERT of the whole row
// (uuid id, epoch seconds, JSON settings), an approval an UPDATE of role,
// a deletion one DELETE by id (its child rows go by ON DELETE CASCADE).
type hostWriter struct {
	d                             core.Driver
	deletes                       bool // every seventh write deletes a user
	signups, approvals, deletions atomic.Int64
}

func (w *hostWriter) exec(ctx context.Context, q string, args ...any) error {
	_, err := w.d.DB().DB.ExecContext(ctx, q, args...)
	return err
}

// step does host write number i: mostly sign-ups, every third a pending
// one; every fourth write approves the pending user of the write before;
// with deletes, every seventh deletes a user who may already be a member.
func (w *hostWriter) step(ctx context.Context, i int) error {
	user := w.d.Quote("user")
	ph := func(n int) string {
		if w.d.Dialect() == "postgres" {
			return fmt.Sprintf("$%d", n)
		}
		return "?"
	}
	switch {
	case w.deletes && i%7 == 6:
		id := liveUserID(i - 5)
		w.deletions.Add(1)
		return w.exec(ctx, "DELETE FROM "+user+" WHERE id = "+ph(1), id)
	case i%4 == 3:
		w.approvals.Add(1)
		return w.exec(ctx, "UPDATE "+user+" SET role = 'user', updated_at = "+ph(1)+" WHERE id = "+ph(2)+" AND role = 'pending'", time.Now().Unix(), liveUserID(i-1))
	}
	role := "user"
	if i%3 == 2 {
		role = "pending"
	}
	now := time.Now().Unix()
	w.signups.Add(1)
	return w.exec(ctx, "INSERT INTO "+user+" (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at, settings, info) VALUES ("+
		strings.Join([]string{ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7), ph(8), ph(9), ph(10)}, ", ")+")",
		liveUserID(i), fmt.Sprintf("Live %d", i), fmt.Sprintf("live%d@example.com", i), role, "/user.png", now, now, now, `{"ui":{}}`, `{}`)
}

// liveUserID is a uuid-shaped id, as Open WebUI's.
func liveUserID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// testRunnersBesideWriter: 16 runners, each with its own driver, apply
// twice while the host writes users. Every run ends converged or
// with a retryable error (the lock wait), never failed nor "not
// converged after apply"; the history holds exactly the runs that
// changed something; no user is a member twice; after the writer stops
// one more apply makes every eligible user a member and verify is clean.
func testRunnersBesideWriter(t *testing.T, open coretest.Opener, gen string, deletes bool) {
	host := open(t)
	load(t, host, gen)
	ctx, cancel := context.WithTimeout(context.Background(), liveDeadline)
	defer cancel()

	// Every driver is open before the host starts writing: the writes
	// land while the runners run, not while they connect.
	drivers := make([]core.Driver, liveRunners)
	for i := range drivers {
		drivers[i] = open(t)
	}
	w := &hostWriter{d: open(t), deletes: deletes}
	var werr error
	writerDone := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := 0; i < liveWriterOps; i++ {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			default:
			}
			if err := w.step(ctx, i); err != nil {
				if ctx.Err() == nil {
					werr = fmt.Errorf("host write %d: %w", i, err)
				}
				return
			}
			time.Sleep(liveWriterGap)
		}
	}()

	type result struct {
		rep *core.Report
		err error
	}
	results := make([][]result, liveRunners)
	var wg sync.WaitGroup
	for i := range liveRunners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range liveRounds {
				if ctx.Err() != nil {
					return
				}
				rep, err := liveRunner(t, drivers[i]).Apply(ctx)
				results[i] = append(results[i], result{rep, err})
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-writerDone
	if werr != nil {
		t.Fatalf("the host's own write failed beside the runners (invariant 7): %v", werr)
	}

	runs, changed, locked, retryable := 0, 0, 0, 0
	for i, rs := range results {
		for j, r := range rs {
			runs++
			switch {
			case r.err == nil && r.rep.Status == core.RunConverged:
			case errors.Is(r.err, core.ErrLockTimeout):
				retryable++
				continue
			default:
				t.Errorf("runner %d, apply %d: %v\n%s", i, j+1, r.err, coretest.Dump(r.rep))
				continue
			}
			if r.rep.Changed {
				changed++
			}
			if r.rep.LockWaitMS > 0 {
				locked++
			}
		}
	}
	t.Logf("%s: %d applies by %d runners beside %d sign-ups, %d approvals, %d deletions: %d changed, %d took the lock, %d retryable",
		host.Dialect(), runs, liveRunners, w.signups.Load(), w.approvals.Load(), w.deletions.Load(), changed, locked, retryable)
	if runs < liveRunners {
		t.Fatalf("only %d applies ran before the deadline", runs)
	}
	if changed == 0 {
		t.Errorf("no apply changed anything: the fixture's users never joined")
	}
	// Only the runs that found work took the lock, and of those only the
	// ones that changed something are in the history.
	if locked < changed {
		t.Errorf("%d runs changed something but only %d took the lock", changed, locked)
	}
	if n := scalar(t, host, "SELECT COUNT(*) FROM "+host.Quote(history.TableName)); n != changed {
		t.Errorf("%d runs in the history, want the %d that changed something (record-all is off)", n, changed)
	}
	if n := scalar(t, host, "SELECT COUNT(*) FROM "+host.Quote(history.TableName)+" WHERE changed = 0 OR status <> 'converged'"); n != 0 {
		t.Errorf("%d recorded runs did not change anything or did not converge", n)
	}
	if n := scalar(t, host, "SELECT COUNT(*) FROM (SELECT organization_id, user_id FROM "+host.Quote(orgaccess.MembersTable)+
		" GROUP BY organization_id, user_id HAVING COUNT(*) > 1) dup"); n != 0 {
		t.Errorf("%d users are members twice", n)
	}

	// The writer has stopped: one more apply makes every eligible user a
	// member, and verify is clean.
	if rep, err := liveRunner(t, host).Apply(context.Background()); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply after the writer stopped: %v\n%s", err, coretest.Dump(rep))
	}
	if missing := scalar(t, host, "SELECT COUNT(*) FROM "+host.Quote("user")+" u WHERE u.role <> 'pending' AND (u.email IS NULL OR u.email <> '"+
		openwebuitest.SystemEmail+"') AND NOT EXISTS (SELECT 1 FROM "+host.Quote(orgaccess.MembersTable)+" m WHERE m.user_id = u.id AND m.organization_id = '"+orgID+"')"); missing != 0 {
		t.Errorf("%d eligible users are not members after the writer stopped", missing)
	}
	if extra := scalar(t, host, "SELECT COUNT(*) FROM "+host.Quote(orgaccess.MembersTable)+" m WHERE NOT EXISTS (SELECT 1 FROM "+host.Quote("user")+
		" u WHERE u.id = m.user_id)"); extra != 0 && host.Dialect() != "sqlite" {
		// SQLite: Open WebUI never enables foreign keys, so a deleted
		// user's membership stays (the view joins user and hides it).
		t.Errorf("%d memberships of deleted users outlived the host's delete", extra)
	}
	verifyClean(t, host, DevConfig())
}

// testHostHoldsWriteLock: SQLite, Open WebUI holds the database's write
// lock (a sign-up's transaction, BEGIN IMMEDIATE) while a runner starts.
// On a converged database the runner's probe reads, takes no lock and
// writes nothing, so it finishes while the host still holds the write
// lock. With work to do it waits for the host (busy timeout), which
// commits, and then converges with the host's new user a member.
func testHostHoldsWriteLock(t *testing.T, open coretest.Opener, gen string) {
	d := open(t)
	load(t, d, gen)
	liveApply(t, d, "first apply")
	ctx, cancel := context.WithTimeout(context.Background(), liveDeadline)
	defer cancel()
	hostDB := open(t).DB().DB
	conn, err := hostDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, `UPDATE "user" SET last_active_at = last_active_at + 1`); err != nil {
		t.Fatal(err)
	}

	// Converged: the probe takes no lock and writes nothing, so the
	// host's write lock does not stop it.
	rep, err := liveRunner(t, open(t)).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged || rep.Changed || rep.LockWaitMS != 0 {
		t.Fatalf("converged apply while the host holds the write lock: %v\n%s", err, coretest.Dump(rep))
	}

	// Work to do: the host signs a user up in its open transaction and
	// commits a little later; the runner waits for it, never fails.
	if _, err := conn.ExecContext(ctx, `INSERT INTO "user" (id, name, email, role, created_at, updated_at, last_active_at) VALUES ('busy-signup', 'Busy', 'busy@example.com', 'user', 1, 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	committed = true
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	committed = false
	if _, err := conn.ExecContext(ctx, `INSERT INTO "user" (id, name, email, role, created_at, updated_at, last_active_at) VALUES ('busy-signup-2', 'Busy 2', 'busy2@example.com', 'user', 1, 1, 1)`); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the runner meets the held lock
		_, err := conn.ExecContext(ctx, "COMMIT")
		released <- err
	}()
	rep, err = liveRunner(t, open(t)).Apply(ctx)
	if cerr := <-released; cerr != nil {
		t.Fatalf("the host's commit failed beside the runner (invariant 7): %v", cerr)
	}
	committed = true
	if err != nil || rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("apply with work while the host held the write lock: %v\n%s", err, coretest.Dump(rep))
	}
	for _, id := range []string{"busy-signup", "busy-signup-2"} {
		if n := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)+" WHERE user_id = '"+id+"'"); n != 1 {
			t.Errorf("%s: %d memberships, want 1", id, n)
		}
	}
	// The host is done: one more apply (it may record the members'
	// proof, which the run beside the host's commit read too early to
	// record), then verify is clean.
	liveApply(t, d, "apply after the host committed")
	verifyClean(t, d, DevConfig())
}

// testHostDeletesDuringBatch is the race of RunnersBesideHostDeletes made
// deterministic (PostgreSQL): a user signs up; the host holds a SHARE
// lock on organization_members, so the runner's batch takes its snapshot
// (the proof) and then waits at its INSERT; the host deletes that user
// and commits; the batch goes on, inserting the membership of a user its
// snapshot still sees. The apply must converge (the user is gone, nothing
// is missing), not fail.
func testHostDeletesDuringBatch(t *testing.T, open coretest.Opener, gen string) {
	d := open(t)
	load(t, d, gen)
	liveApply(t, d, "first apply")
	ctx, cancel := context.WithTimeout(context.Background(), liveDeadline)
	defer cancel()
	const gone = "00000000-0000-4000-8000-00000000dead"
	exec(t, d, `INSERT INTO "user" (id, name, email, role, created_at, updated_at, last_active_at) VALUES ('`+gone+`', 'Gone', 'gone@example.com', 'user', 1, 1, 1)`)

	host, err := open(t).DB().DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = host.Rollback() }()
	if _, err := host.ExecContext(ctx, "LOCK TABLE "+d.Quote(orgaccess.MembersTable)+" IN SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		rep *core.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := liveRunner(t, open(t)).Apply(ctx)
		done <- result{rep, err}
	}()
	// The batch waits at its INSERT, its snapshot taken.
	for i := 0; ; i++ {
		if n := scalar(t, d, `SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = '`+orgaccess.MembersTable+`'`); n > 0 {
			break
		}
		if i == 600 {
			t.Fatal("the runner's batch never waited for the host's lock")
		}
		select {
		case r := <-done:
			t.Fatalf("the runner finished before its batch met the host's lock: %v\n%s", r.err, coretest.Dump(r.rep))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := host.ExecContext(ctx, `DELETE FROM "user" WHERE id = $1`, gone); err != nil {
		t.Fatalf("the host's delete failed (invariant 7): %v", err)
	}
	if err := host.Commit(); err != nil {
		t.Fatalf("the host's commit failed (invariant 7): %v", err)
	}
	r := <-done
	if r.err != nil || r.rep.Status != core.RunConverged {
		t.Fatalf("apply while the host deleted a user it was adding: %v\n%s", r.err, coretest.Dump(r.rep))
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)+" WHERE user_id = '"+gone+"'"); n != 0 {
		t.Errorf("the deleted user has %d memberships", n)
	}
	// The members proof recorded the user count the batches started
	// from, the deleted user included: the count moved, so the next start
	// checks every user again and records a new proof (verify says
	// pending until then). One more apply does it.
	liveApply(t, d, "apply after the host's delete")
	verifyClean(t, d, DevConfig())
}
