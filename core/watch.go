package core

import (
	"context"
	"time"
)

// Watch keeps the registry converged while the application runs: it
// applies at once and then every interval until ctx is done, handing
// each run's report and error to onRun (which may be nil), and returns
// ctx's error. A run that fails does not stop it: the next one tries
// again. This is for data the application's own activity makes due (a
// user who signs up into a development organization) that should not
// wait for the next restart: every replica may call it, since each run
// takes the lock; give the runner a short WithLockTimeout so a replica
// whose turn finds the lock held skips to its next interval instead of
// queueing behind the others (the error wraps ErrLockTimeout).
func (r *Runner) Watch(ctx context.Context, interval time.Duration, onRun func(*Report, error)) error {
	t := time.NewTicker(max(interval, time.Millisecond))
	defer t.Stop()
	for {
		rep, err := r.Apply(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if onRun != nil {
			onRun(rep, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
