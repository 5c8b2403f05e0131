package core

import (
	"context"
	"database/sql"
	"errors"
)

// ErrLockLost: a lease lock expired and another runner took it over
// while this one still ran; what this runner had not committed is
// rolled back.
var ErrLockLost = errors.New("lock lost")

// Fencer is optional for a Lock whose hold can lapse (a lease with a
// time to live, unlike a session lock that lasts as long as its
// connection). Fence runs inside each step's transaction just before it
// commits: it fails with ErrLockLost when the lock is no longer this
// runner's, so the step rolls back, and otherwise keeps the lock from
// passing to anyone else until the transaction ends. A step that is not
// transactional is not fenced.
type Fencer interface {
	Fence(ctx context.Context, tx *sql.Tx) error
}
