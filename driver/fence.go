package driver

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// Fencer is optional for a Lock. Fence runs inside each step's
// transaction just before it commits: it fails with ErrLockLost when the
// lock is no longer this runner's, so the step rolls back, and otherwise
// keeps the lock from passing to anyone else (or anyone else from
// writing) until the transaction ends: the commit is ordered before the
// next holder's first write.
type Fencer interface {
	Fence(ctx context.Context, tx *sql.Tx) error
}

// LockChecker is optional for a Lock: CheckLock fails with ErrLockLost
// when the lock is no longer this runner's. The runner calls it before
// each statement of a step that is not transactional (MySQL's DDL
// commits statement by statement, so there is no commit to fence), and
// once before it reports a run that changed something as done. Unlike
// Fence it cannot stop another runner from writing right after the
// check: it bounds the overlap to the statement already under way.
type LockChecker interface {
	CheckLock(ctx context.Context) error
}

// SessionLock is optional for a Lock that one database session holds
// and that only that session's end can take away (PostgreSQL's session
// advisory lock, MySQL's GET_LOCK): LockConn is that session, kept out of
// the pool while the lock is held. The runner sends every statement of
// the run under the lock through it (its checks, writes, each batch's
// transaction, the verify phase and the history row) instead of fencing
// or checking the lock before each write: a statement that runs there
// runs while the lock is held, and a transaction that commits there
// commits before the server ends the session, which is before any next
// holder can take the lock. The run thus needs one connection. A
// statement that fails there is told apart as a lost lock with the
// Lock's LockChecker, which a SessionLock must also be. Without it the
// runner's statements use the pool and its writes are fenced (Fencer) or
// checked (LockChecker).
type SessionLock interface {
	LockConn() bun.Conn
}
