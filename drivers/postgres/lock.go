package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
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
type advisoryLock struct {
	conn bun.Conn
	key  int64
	name string
}

// Lock implements core.Driver with the driver's lock mode: a session
// advisory lock (sessionLock) or a lease row (leaseLock, lease.go).
func (d *Driver) Lock(ctx context.Context, name string, wait time.Duration) (core.Lock, error) {
	if d.lock.mode == LockLease {
		return d.leaseLock(ctx, name, wait)
	}
	return d.sessionLock(ctx, name, wait)
}

// sessionLock takes pg_try_advisory_lock, polled with a backoff from 5 ms
// to 100 ms until wait has passed. A lock that is not free by then fails
// with a *core.LockError wrapping core.ErrLockTimeout that says which
// session holds it.
func (d *Driver) sessionLock(ctx context.Context, name string, wait time.Duration) (core.Lock, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("drivers/postgres: lock %q: connect: %w", name, err)
	}
	key := lockKey(name)
	err = core.LockPoll{Name: name, Wait: wait,
		Try: func(ctx context.Context) (bool, error) {
			var ok bool
			if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", key).Scan(&ok); err != nil {
				discard(conn)
				return false, fmt.Errorf("drivers/postgres: lock %q: %w", name, err)
			}
			return ok, nil
		},
		Holder: func(ctx context.Context) string { return describeHolder(ctx, conn, key) },
	}.Poll(ctx)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &advisoryLock{conn: conn, key: key, name: name}, nil
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

// Unlock implements core.Lock. The connection goes back to the pool only
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
// driver.ErrBadConn.
func discard(conn bun.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
