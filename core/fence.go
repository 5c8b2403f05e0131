package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/uptrace/bun"
)

// heldLock is the run's lock as the runner uses it between steps: the
// optional Fencer, LockChecker and SessionLock of the driver's Lock,
// found once.
type heldLock struct {
	fence Fencer
	check LockChecker
	conn  *bun.Conn // the lock's session (SessionLock), nil without one
	// unfenced: a write of this run ran neither in a fenced transaction
	// nor on the lock's session (a statement only checked before it ran,
	// a step's own Applier), so the run checks the lock once more before
	// it reports success.
	unfenced bool
}

func newHeldLock(l Lock) *heldLock {
	if l == nil {
		return nil
	}
	h := &heldLock{}
	h.fence, _ = l.(Fencer)
	h.check, _ = l.(LockChecker)
	if sl, ok := l.(SessionLock); ok && h.check != nil {
		c := sl.LockConn()
		h.conn = &c
	}
	return h
}

// onSession: the runner's writes go through the lock's session.
func (h *heldLock) onSession() bool { return h != nil && h.conn != nil }

// beginTx begins a transaction for the run's writes: on the lock's
// session where there is one, else on a connection of the pool.
func (h *heldLock) beginTx(ctx context.Context, d Driver, opts *sql.TxOptions) (bun.Tx, error) {
	if h.onSession() {
		tx, err := h.conn.BeginTx(ctx, opts)
		return tx, h.lostOnSession(ctx, err)
	}
	return d.DB().BeginTx(ctx, opts)
}

// lostOnSession tells a write that failed on the lock's session apart:
// when the lock is lost (the server ended the session) the error wraps
// ErrLockLost, else it is err as it is. A stopped run's error is its own.
func (h *heldLock) lostOnSession(ctx context.Context, err error) error {
	if err == nil || !h.onSession() || ctx.Err() != nil || errors.Is(err, ErrLockLost) {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lostCheckWait)
	defer cancel()
	driver.CountRoundTrip(ctx)
	if lerr := h.check.CheckLock(cctx); errors.Is(lerr, ErrLockLost) {
		return fmt.Errorf("%w (the statement on the lock's connection: %w)", lerr, err)
	}
	return err
}

// lostCheckWait bounds the check that tells a failed write on the lock's
// session apart.
const lostCheckWait = 5 * time.Second

// checkBefore checks the lock before a write that runs outside any
// fenced transaction and off the lock's session.
func (h *heldLock) checkBefore(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.unfenced = true
	return h.checkHeld(ctx)
}

// markUnfenced notes a write the runner cannot see fenced.
func (h *heldLock) markUnfenced() {
	if h != nil {
		h.unfenced = true
	}
}

// checkAfterWrites checks the lock once more when a write of the run was
// not fenced: a run that wrote reports success only while it still holds
// the lock. A run whose every write was fenced or ran on the lock's
// session has nothing to add: each of them was ordered before any next
// holder's first write.
func (h *heldLock) checkAfterWrites(ctx context.Context) error {
	if h == nil || !h.unfenced {
		return nil
	}
	return h.checkHeld(ctx)
}

// fenceTx fences a step's transaction; nothing to do without a Fencer.
func (h *heldLock) fenceTx(ctx context.Context, tx *sql.Tx) error {
	if h == nil {
		return nil
	}
	if h.fence == nil {
		// A commit nothing fenced: the run's check at the end covers it.
		h.unfenced = true
		return nil
	}
	driver.CountRoundTrip(ctx)
	return h.fence.Fence(ctx, tx)
}

// fenceOwnTx fences a transaction the runner began for its writes
// (beginTx): nothing to do on the lock's session, where the commit is
// the fence (driver.SessionLock), else fenceTx.
func (h *heldLock) fenceOwnTx(ctx context.Context, tx *sql.Tx) error {
	if h.onSession() {
		return nil
	}
	return h.fenceTx(ctx, tx)
}

// fenceBatch guards a batch's transaction, called first (after BEGIN)
// and last (before COMMIT): nothing on the lock's session (the commit
// there is the fence); a Fencer's fence both times (first, so a lease row
// is locked before the snapshot is taken and a heartbeat cannot make the
// last fence a serialization failure; last, as every commit is fenced);
// and otherwise the check last only, just before the commit, so a batch's
// rows are committed by a runner that held the lock a moment before (a
// check first would add nothing the last one does not).
func (h *heldLock) fenceBatch(ctx context.Context, tx *sql.Tx, last bool) error {
	switch {
	case h == nil || h.onSession():
		return nil
	case h.fence != nil:
		return h.fenceTx(ctx, tx)
	case !last:
		return nil
	}
	h.unfenced = true
	return h.checkHeld(ctx)
}

// checkHeld checks the lock outside a transaction; nothing to do without
// a LockChecker.
func (h *heldLock) checkHeld(ctx context.Context) error {
	if h == nil || h.check == nil {
		return nil
	}
	driver.CountRoundTrip(ctx)
	return h.check.CheckLock(ctx)
}

// heldLockKey keys the run's heldLock in the session's memo, which every
// copy of the session shares.
type heldLockKey struct{}

func (s *Session) heldLock() *heldLock {
	h, _ := s.memo[heldLockKey{}].(*heldLock)
	return h
}

// FenceTx fences a transaction that a step commits itself (an Applier
// writing in chunks, each committed on its own), as the runner fences the
// step's own transaction: call it inside tx just before tx.Commit. Outside
// apply, or with a lock that cannot be lost, it does nothing.
func (s *Session) FenceTx(ctx context.Context, tx *sql.Tx) error {
	return s.heldLock().fenceTx(ctx, tx)
}

// CheckLock fails with ErrLockLost when the run's lock is no longer this
// runner's: for a step that writes outside any transaction, before each
// write. Outside apply, or with a lock that cannot be lost, it does
// nothing.
func (s *Session) CheckLock(ctx context.Context) error {
	return s.heldLock().checkBefore(ctx)
}
