package driver

import "time"

// SingleWriter is optional for a Driver whose database lets one writer
// in at a time (SQLite). The runner then waits WriterGap between the
// batches of a change: the application's writers wait for the lock in a
// busy handler that polls (every 100 ms at most in SQLite), and a runner
// that begins its next batch at once would starve them up to their busy
// timeout.
type SingleWriter interface {
	WriterGap() time.Duration
}

// ConflictReporter is optional for a Driver: Conflict reports whether
// err ended a transaction only because a concurrent one won (a
// serialization failure or a deadlock), so the same transaction run again
// from the start may well succeed. The runner then runs a failed batch
// again, up to batchAttempts times: a batch's statements are idempotent
// and its proof is taken in its own snapshot, so a new attempt simply
// sees what the other transaction did (a user the application deleted
// meanwhile is no longer there to add). Without it a batch that lost such
// a race fails the run, which the next run completes.
type ConflictReporter interface {
	Conflict(err error) bool
}
