package core

import "context"

// Recorder is told about apply runs while the runner holds the lock, so
// a history table sees runs one at a time: every run that changed
// something, failed, found drift or was interrupted, and with
// WithRecordAll also the converged ones. A failure to record is logged
// and does not fail the run.
type Recorder interface {
	Record(ctx context.Context, s *Session, r *Report) error
}
