package postgres

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/uptrace/bun"
)

// lockKey is the advisory lock key of name: FNV-64a of "groundwork:"+name,
// the same in every process and version.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("groundwork:" + name))
	return int64(h.Sum64())
}

// queryHolder describes the session holding the advisory lock whose
// 64-bit key is split, as pg_locks shows it, into classid (high 32 bits)
// and objid (low 32 bits) with objsubid 1. query_start is when the holder
// ran its last statement: for a groundwork holder, whose lock connection
// runs nothing after pg_try_advisory_lock, that is when it took the lock.
const queryHolder = `SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), ''),
  COALESCE(a.usename::text, ''), a.backend_start, a.query_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = ? AND l.objid::bigint = ?
LIMIT 1`

// advisoryLock is a session advisory lock held by a connection kept out
// of the pool for as long as the lock is held: the server releases the
// lock when that connection ends, so a holder that dies (killed process,
// lost network, pg_terminate_backend) leaves no stuck lock.
//
// The same ending can come while the runner lives (idle_session_timeout,
// an operator's pg_terminate_backend, a proxy). The runner's own writes
// run on the lock's session (LockConn), where that ending also aborts
// them. A write on another connection (a step's own Applier) is fenced
// (Fence, through the runner's FenceTx): inside its transaction a shared transaction
// lock on the fence key, and pg_locks shows the lock still granted to
// this runner's lock connection (pid and backend start, so a recycled pid
// does not pass). A new holder takes the fence key exclusively before it
// returns from Lock, so it waits for a fenced transaction of the old
// holder to end: the old holder's last commit comes before the new
// holder's first write, and the old holder's next fence fails.
type advisoryLock struct {
	d     *Driver
	conn  bun.Conn
	key   int64
	fence int64
	name  string
	pid   int64
	start time.Time // the lock connection's backend_start
}

var (
	_ driver.Fencer      = (*advisoryLock)(nil)
	_ driver.LockChecker = (*advisoryLock)(nil)
	_ driver.SessionLock = (*advisoryLock)(nil)
)

// LockConn implements driver.SessionLock: the connection that holds the
// lock. Only its session's end (or its own pg_advisory_unlock) releases a
// session advisory lock, so a transaction that commits there commits
// while the lock is held: the runner's own writes need no fence there.
// The runner sends every statement under the lock through it, so a run
// uses one connection: the one its checks without the lock warmed.
func (l *advisoryLock) LockConn() bun.Conn { return l.conn }

// fenceKey is the advisory key of name's fence: taken shared by each
// fenced step transaction of the holder, exclusively (for a moment) by a
// new holder.
func fenceKey(name string) int64 { return lockKey("fence:" + name) }

// Lock statements of session mode (lockTry and lockBarrier run through
// bun on the lock connection: ? placeholders, the fence key first; the
// others on database/sql: $n). lockBarrier takes the fence key for the
// length of its own statement, and reads the connection's backend_start;
// lockTry takes the lock and, only once it has it, does what lockBarrier
// does, in the same round trip: the lock is taken in a subquery that
// OFFSET 0 keeps from being flattened, so it is evaluated first and once,
// and CASE tries the fence key only when it took the lock. It returns the
// backend's pid too, so the fence can recognise the lock connection. A
// fence key still held by the previous holder's commit leaves the lock
// taken and the barrier to lockBarrier on the next attempt. A backend's
// start is read from pg_stat_get_activity(pid), the function under the
// pg_stat_activity view: the same row and the same visibility rules, but a
// new backend plans it in a fraction of the view's time (2.8 against 6.0
// ms for lockTry, measured on fresh connections), and every lock
// connection is a new backend (lockConn).
const (
	lockTry = `SELECT t.locked, CASE WHEN t.locked THEN pg_try_advisory_xact_lock(?) ELSE false END, pg_backend_pid(),
  (SELECT s.backend_start FROM pg_stat_get_activity(pg_backend_pid()) s)
FROM (SELECT pg_try_advisory_lock(?) AS locked OFFSET 0) t`
	lockBarrier = `SELECT pg_try_advisory_xact_lock(?), (SELECT s.backend_start FROM pg_stat_get_activity(pg_backend_pid()) s)`
	// lockHeld: the lock connection (pid, backend_start) still holds
	// the session lock whose key is split into classid and objid.
	lockHeld = `(EXISTS (SELECT 1 FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid::bigint = $1::bigint AND l.objid::bigint = $2::bigint
    AND l.pid = $3::int)
  AND COALESCE((SELECT s.backend_start = $4::timestamptz FROM pg_stat_get_activity($3::int) s), false))`
	lockFence = `SELECT pg_try_advisory_xact_lock_shared($5::bigint), ` + lockHeld
	lockCheck = `SELECT ` + lockHeld
)

// Lock implements driver.Driver with the driver's lock mode: a session
// advisory lock (sessionLock) or a lease row (leaseLock, lease.go).
func (d *Driver) Lock(ctx context.Context, name string, wait time.Duration) (driver.Lock, error) {
	name = d.scopedLockName(name)
	if d.lock.mode == LockLease {
		return d.leaseLock(ctx, name, wait)
	}
	return d.sessionLock(ctx, name, wait)
}

// sessionLock takes pg_try_advisory_lock, polled with a backoff from 5 ms
// to 100 ms until wait has passed, then the fence key for a moment (a
// previous holder's fenced commit may still be under way). A lock that is
// not free by then fails with a *driver.LockError wrapping
// driver.ErrLockTimeout that says which session holds it.
func (d *Driver) sessionLock(ctx context.Context, name string, wait time.Duration) (driver.Lock, error) {
	conn, err := d.lockConn(ctx)
	if err != nil {
		return nil, fmt.Errorf("drivers/postgres: lock %q: connect: %w", name, err)
	}
	l := &advisoryLock{d: d, conn: conn, key: lockKey(name), fence: fenceKey(name), name: name}
	locked := false
	err = driver.LockPoll{Name: name, Wait: wait,
		Try: func(ctx context.Context) (bool, error) {
			var fenced bool
			if !locked {
				if err := conn.QueryRowContext(ctx, lockTry, l.fence, l.key).Scan(&locked, &fenced, &l.pid, &l.start); err != nil {
					discard(conn)
					return false, fmt.Errorf("drivers/postgres: lock %q: %w", name, err)
				}
				if !locked || fenced {
					return locked, nil
				}
			}
			if err := conn.QueryRowContext(ctx, lockBarrier, l.fence).Scan(&fenced, &l.start); err != nil {
				discard(conn)
				return false, fmt.Errorf("drivers/postgres: lock %q: fence: %w", name, err)
			}
			return fenced, nil
		},
		Holder: func(ctx context.Context) string {
			if locked {
				return "the previous holder's last step, still committing"
			}
			return describeHolder(ctx, conn, l.key)
		},
	}.Poll(ctx)
	if err != nil {
		if locked {
			// Closing the connection releases the session lock too.
			discard(conn)
		} else {
			_ = conn.Close()
		}
		return nil, err
	}
	return l, nil
}

// lockConn returns the connection the session lock will hold for the
// whole run: the pool's most recently used one, whose backend has the
// catalog in its caches (the checks without the lock just inspected on
// it). The run's statements under the lock run there too (LockConn): on
// a new backend PostgreSQL reads its catalog afresh, about 15 ms more
// for each inspection, and connecting costs a backend's start.
func (d *Driver) lockConn(ctx context.Context) (bun.Conn, error) {
	return d.DB().Conn(ctx)
}

// lostError is the error of a fence or check that failed: err when the
// check itself could not run, else the lock is lost.
func (l *advisoryLock) lostError(err error) error {
	if err != nil {
		return fmt.Errorf("drivers/postgres: lock %q: check it: %w", l.name, err)
	}
	return fmt.Errorf("drivers/postgres: lock %q is no longer held: its connection (pid %d) was ended by the server, a proxy or an operator (idle_session_timeout, pg_terminate_backend): %w",
		l.name, l.pid, driver.ErrLockLost)
}

func (l *advisoryLock) keyParts() (int64, int64) {
	return int64(uint64(l.key) >> 32), int64(uint64(l.key) & 0xffffffff)
}

// Fence implements driver.Fencer: one statement in the step's transaction.
// The shared fence key it takes is held until the transaction ends, so a
// runner that took the lock over waits in Lock for this commit.
func (l *advisoryLock) Fence(ctx context.Context, tx *sql.Tx) error {
	hi, lo := l.keyParts()
	var free, held bool
	if err := tx.QueryRowContext(ctx, lockFence, hi, lo, l.pid, l.start, l.fence).Scan(&free, &held); err != nil {
		return l.lostError(err)
	}
	if !free || !held {
		return l.lostError(nil)
	}
	return nil
}

// CheckLock implements driver.LockChecker, through the pool.
func (l *advisoryLock) CheckLock(ctx context.Context) error {
	hi, lo := l.keyParts()
	var held bool
	if err := l.d.DB().DB.QueryRowContext(ctx, lockCheck, hi, lo, l.pid, l.start).Scan(&held); err != nil {
		return l.lostError(err)
	}
	if !held {
		return l.lostError(nil)
	}
	return nil
}

func since(start time.Time) string {
	return time.Since(start).Round(time.Millisecond).String()
}

// describeHolder says who holds the lock: "pid 123, application
// "groundwork", user app, client 10.0.0.7, connected since …, last
// statement at …". It is best effort: an empty string when the holder is
// gone or cannot be seen.
func describeHolder(ctx context.Context, conn bun.Conn, key int64) string {
	var (
		pid             int64
		app, addr, user string
		backendStart    sql.NullTime
		queryStart      sql.NullTime
	)
	hi, lo := int64(uint64(key)>>32), int64(uint64(key)&0xffffffff)
	err := conn.QueryRowContext(ctx, queryHolder, hi, lo).Scan(&pid, &app, &addr, &user, &backendStart, &queryStart)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "a session that has just released it"
		}
		return ""
	}
	parts := []string{fmt.Sprintf("pid %d", pid)}
	if app != "" {
		parts = append(parts, fmt.Sprintf("application %q", app))
	}
	if user != "" {
		parts = append(parts, "user "+user)
	}
	if addr != "" {
		parts = append(parts, "client "+addr)
	} else {
		parts = append(parts, "client local socket")
	}
	if backendStart.Valid {
		parts = append(parts, "connected since "+backendStart.Time.UTC().Format(time.RFC3339))
	}
	if queryStart.Valid {
		parts = append(parts, "last statement at "+queryStart.Time.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, ", ")
}

// Unlock implements driver.Lock. The connection goes back to the pool only
// when the unlock is confirmed; otherwise it is closed, which releases
// the lock on the server.
func (l *advisoryLock) Unlock(ctx context.Context) error {
	var released bool
	err := l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock(?)", l.key).Scan(&released)
	if err == nil && !released {
		err = errors.New("the session no longer held it")
	}
	if err != nil {
		discard(l.conn)
		return fmt.Errorf("drivers/postgres: unlock %q: %w", l.name, err)
	}
	return l.conn.Close()
}

// discard closes the connection itself rather than returning it to the
// pool: database/sql drops a connection whose Raw callback reports
// sqldriver.ErrBadConn.
func discard(conn bun.Conn) {
	_ = conn.Raw(func(any) error { return sqldriver.ErrBadConn })
	_ = conn.Close()
}
