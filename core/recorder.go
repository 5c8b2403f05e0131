package core

import "context"

// Recorder is told about each apply run while the runner holds the lock,
// so a history table sees runs one at a time. A failure to record is
// logged and does not fail the run.
type Recorder interface {
	Record(ctx context.Context, s *Session, r *Report) error
}
