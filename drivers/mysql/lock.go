package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	sqldriver "database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"

	"github.com/uptrace/bun"
)

// maxLockName is the longest name GET_LOCK accepts (MySQL 5.7 and later).
const maxLockName = 64

// lockName is the server-wide GET_LOCK name of the lock called name in
// database db: "groundwork:<db>:<name>" when that is at most 64 bytes of
// plain characters, else "groundwork:" and 40 hex digits of its SHA-256.
// GET_LOCK names are per server, not per database: the database in the
// name keeps runners of two databases on one server from excluding each
// other. Only letters, digits and "_-.:" are kept as they are, so the
// name needs no escaping in any sql_mode.
func lockName(db, name string) string {
	full := "groundwork:" + db + ":" + name
	if len(full) <= maxLockName && plainName(full) {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	return "groundwork:" + hex.EncodeToString(sum[:])[:40]
}

func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-.:", c) >= 0) {
			return false
		}
	}
	return true
}

// queryHolder describes the session holding a named lock. PROCESSLIST
// shows every session to a user with the PROCESS privilege and the
// user's own sessions to anyone; TIME is how long the session has been
// in its current state: for a groundwork holder, whose lock connection
// runs nothing after GET_LOCK, about how long it has held the lock.
const queryHolder = `SELECT l.id, COALESCE(p.USER, ''), COALESCE(p.HOST, ''), COALESCE(p.DB, ''), p.TIME
FROM (SELECT IS_USED_LOCK(?) AS id) l
LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id`

// userLock is a GET_LOCK lock held by a connection kept out of the pool
// for as long as the lock is held: the server releases the lock when that
// connection ends, so a holder that dies (killed process, lost network,
// KILL CONNECTION) leaves no stuck lock.
//
// The server may also end that connection while the runner lives
// (wait_timeout, KILL, a proxy). MySQL's DDL commits statement by
// statement, so there is no commit to fence; instead the runner sends its
// writes through the lock connection itself (driver.SessionLock): only the
// end of that session releases the lock, so a statement that runs there
// runs while the lock is held, and one sent after the session ended fails
// (no check before each statement, which cost a round trip apiece).
// CheckLock asks the server whether the lock still belongs to the lock
// connection (IS_USED_LOCK against its CONNECTION_ID()): for the writes a
// step makes on its own, and to tell a write that failed on the lock
// connection apart as a lost lock.
type userLock struct {
	d    *Driver
	conn bun.Conn
	key  string
	name string
	id   int64 // CONNECTION_ID() of conn
}

var (
	_ driver.LockChecker = (*userLock)(nil)
	_ driver.SessionLock = (*userLock)(nil)
)

// LockConn implements driver.SessionLock: the connection that holds the
// lock.
func (l *userLock) LockConn() bun.Conn { return l.conn }

// Lock implements driver.Driver with GET_LOCK(key, 0), polled with a
// backoff from 5 ms to 100 ms until wait has passed, so a cancelled
// context stops the wait at once. A lock that is not free by then fails
// with a *driver.LockError wrapping driver.ErrLockTimeout that says which
// session holds it.
func (d *Driver) Lock(ctx context.Context, name string, wait time.Duration) (driver.Lock, error) {
	start := time.Now()
	conn, err := d.DB().Conn(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &driver.LockError{Name: name, Waited: since(start), Err: ctx.Err()}
		}
		return nil, fmt.Errorf("drivers/mysql: lock %q: connect: %w", name, err)
	}
	var db sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&db); err != nil {
		discard(conn)
		if ctx.Err() != nil {
			return nil, &driver.LockError{Name: name, Waited: since(start), Err: ctx.Err()}
		}
		return nil, fmt.Errorf("drivers/mysql: lock %q: %w", name, err)
	}
	if !db.Valid {
		_ = conn.Close()
		return nil, fmt.Errorf("drivers/mysql: lock %q: the connection has no current database: %w", name, model.ErrInvalid)
	}
	key := lockName(db.String, name)
	var id int64
	err = driver.LockPoll{Name: name, Start: start, Wait: wait,
		Try: func(ctx context.Context) (bool, error) {
			var got sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0), CONNECTION_ID()", key).Scan(&got, &id); err != nil {
				discard(conn)
				return false, fmt.Errorf("drivers/mysql: lock %q: %w", name, err)
			}
			if !got.Valid {
				discard(conn)
				return false, fmt.Errorf("drivers/mysql: lock %q: GET_LOCK returned NULL", name)
			}
			return got.Int64 == 1, nil
		},
		Holder: func(ctx context.Context) string { return describeHolder(ctx, conn, key) },
	}.Poll(ctx)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &userLock{d: d, conn: conn, key: key, name: name, id: id}, nil
}

// CheckLock implements driver.LockChecker: one query through the pool.
func (l *userLock) CheckLock(ctx context.Context) error {
	var holder sql.NullInt64
	if err := l.d.DB().DB.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", l.key).Scan(&holder); err != nil {
		return fmt.Errorf("drivers/mysql: lock %q: check it: %w", l.name, err)
	}
	if holder.Valid && holder.Int64 == l.id {
		return nil
	}
	now := "no one holds it now"
	if holder.Valid {
		now = fmt.Sprintf("connection %d holds it now", holder.Int64)
	}
	return fmt.Errorf("drivers/mysql: lock %q is no longer held: its connection %d was ended by the server, a proxy or an operator (wait_timeout, KILL); %s: %w",
		l.name, l.id, now, driver.ErrLockLost)
}

func since(start time.Time) string {
	return time.Since(start).Round(time.Millisecond).String()
}

// describeHolder says who holds the lock: "connection 42, user app,
// client 10.0.0.7:51234, database app, in its current state for 3s". It
// is best effort: an empty string when the holder cannot be seen.
func describeHolder(ctx context.Context, conn bun.Conn, key string) string {
	var (
		id             sql.NullInt64
		user, host, db string
		secs           sql.NullInt64
	)
	if err := conn.QueryRowContext(ctx, queryHolder, key).Scan(&id, &user, &host, &db, &secs); err != nil {
		return ""
	}
	return holderText(id, user, host, db, secs)
}

func holderText(id sql.NullInt64, user, host, db string, secs sql.NullInt64) string {
	if !id.Valid {
		return "a session that has just released it"
	}
	parts := []string{fmt.Sprintf("connection %d", id.Int64)}
	if user != "" {
		parts = append(parts, "user "+user)
	}
	if host != "" {
		parts = append(parts, "client "+host)
	}
	if db != "" {
		parts = append(parts, "database "+db)
	}
	if secs.Valid {
		parts = append(parts, fmt.Sprintf("in its current state for %ds", secs.Int64))
	}
	return strings.Join(parts, ", ")
}

// Unlock implements driver.Lock. The connection goes back to the pool only
// when RELEASE_LOCK confirms; otherwise it is closed, which releases the
// lock on the server.
func (l *userLock) Unlock(ctx context.Context) error {
	var released sql.NullInt64
	err := l.conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", l.key).Scan(&released)
	if err == nil && (!released.Valid || released.Int64 != 1) {
		err = errors.New("the session no longer held it")
	}
	if err != nil {
		discard(l.conn)
		return fmt.Errorf("drivers/mysql: unlock %q: %w", l.name, err)
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
