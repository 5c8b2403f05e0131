package core

import (
	"context"
	"database/sql"
	"errors"
)

// ErrLockLost: the run's lock is no longer this runner's (the lock
// connection was ended by the server, a proxy or an operator; a lease
// expired and another runner took it over; the lock file was replaced).
// The step that found it is rolled back where the dialect allows, and the
// run stops without reporting success.
var ErrLockLost = errors.New("lock lost")

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

// heldLock is the run's lock as the runner uses it between steps: the
// optional Fencer and LockChecker of the driver's Lock, found once.
type heldLock struct {
	fence Fencer
	check LockChecker
}

func newHeldLock(l Lock) *heldLock {
	if l == nil {
		return nil
	}
	h := &heldLock{}
	h.fence, _ = l.(Fencer)
	h.check, _ = l.(LockChecker)
	return h
}

// fenceTx fences a step's transaction; nothing to do without a Fencer.
func (h *heldLock) fenceTx(ctx context.Context, tx *sql.Tx) error {
	if h == nil || h.fence == nil {
		return nil
	}
	countQuery(ctx)
	return h.fence.Fence(ctx, tx)
}

// fenceOrCheck fences tx where the lock can fence, and otherwise checks
// the lock is still held (MySQL's GET_LOCK): a batch's rows are then
// committed by a runner that held the lock when it checked.
func (h *heldLock) fenceOrCheck(ctx context.Context, tx *sql.Tx) error {
	if h == nil {
		return nil
	}
	if h.fence != nil {
		return h.fenceTx(ctx, tx)
	}
	return h.checkHeld(ctx)
}

// checkHeld checks the lock outside a transaction; nothing to do without
// a LockChecker.
func (h *heldLock) checkHeld(ctx context.Context) error {
	if h == nil || h.check == nil {
		return nil
	}
	countQuery(ctx)
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
	return s.heldLock().checkHeld(ctx)
}
