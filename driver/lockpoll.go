package driver

import (
	"context"
	"time"
)

// Backoff of PollLock: the first retry after firstLockRetry, doubling up
// to maxLockRetry, so a lock freed a moment later is taken at once and a
// long wait costs ten attempts a second.
const (
	firstLockRetry = 5 * time.Millisecond
	maxLockRetry   = 100 * time.Millisecond
)

// LockPoll is the polling loop every driver's Lock shares: the database
// offers a non-blocking attempt (pg_try_advisory_lock, GET_LOCK(k, 0),
// flock LOCK_NB, a lease insert), and waiting in Go keeps the wait bounded
// and a cancelled context effective at once.
type LockPoll struct {
	// Name is the lock's name as errors show it.
	Name string
	// Start is when the wait began (the zero time: when Poll is called).
	Start time.Time
	// Wait is how long to keep trying.
	Wait time.Duration
	// Try makes one attempt: true when the lock is now held.
	Try func(ctx context.Context) (bool, error)
	// Holder says who holds the lock, best effort; nil or "" when unknown.
	Holder func(ctx context.Context) string
}

// Poll calls Try until it takes the lock, Wait has passed (a *LockError
// wrapping ErrLockTimeout that names the holder) or ctx ends (a *LockError
// wrapping ctx.Err()). An error of Try is returned as it is, unless ctx
// ended meanwhile, which is reported as above.
func (p LockPoll) Poll(ctx context.Context) error {
	if p.Start.IsZero() {
		p.Start = time.Now()
	}
	delay := firstLockRetry
	for {
		held, err := p.Try(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return p.Interrupted(ctx)
		case err != nil:
			return err
		case held:
			return nil
		}
		if time.Since(p.Start) >= p.Wait {
			holder := ""
			if p.Holder != nil {
				holder = p.Holder(ctx)
			}
			return &LockError{Name: p.Name, Holder: holder, Waited: p.waited(), Err: ErrLockTimeout}
		}
		select {
		case <-ctx.Done():
			return p.Interrupted(ctx)
		case <-time.After(min(delay, max(p.Wait-time.Since(p.Start), time.Millisecond))):
		}
		delay = min(delay*2, maxLockRetry)
	}
}

// Interrupted is the error of a wait that ctx ended, for the steps a
// driver takes before polling (connecting, say).
func (p LockPoll) Interrupted(ctx context.Context) error {
	return &LockError{Name: p.Name, Waited: p.waited(), Err: ctx.Err()}
}

func (p LockPoll) waited() string {
	if p.Start.IsZero() {
		return "0s"
	}
	return time.Since(p.Start).Round(time.Millisecond).String()
}
