package core

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// RecordTimeout bounds recording a run in the history, after the run
// itself ended (a cancelled run is recorded too, under its own time).
const RecordTimeout = 10 * time.Second

// record hands the finished run to the recorder. The write needs the
// database once more: when the run failed because another process (the
// host application) held SQLite's write lock past the lock timeout, that
// lock is often still held. A lock timeout is tried again, with backoff,
// until RecordTimeout (through LockPoll, the drivers' lock wait), so such
// a run is recorded once the holder lets go; any other failure, or a
// holder that keeps the lock, is logged and does not change the run's
// outcome.
func (r *Runner) record(ctx context.Context, sess *Session, rep *Report, log *slog.Logger) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancel()
	var last error
	tries := 0
	err := LockPoll{Name: "the history write", Wait: RecordTimeout, Try: func(ctx context.Context) (bool, error) {
		tries++
		last = explainError(r.driver, r.o.recorder.Record(ctx, sess, rep))
		if last != nil && sess.conn != nil && !errors.Is(last, ErrLockTimeout) {
			// The lock's session failed (the lock was lost, a step's
			// timeout ended the connection): the failed run is still
			// recorded, through the pool.
			pool := *sess
			pool.conn = nil
			pool.outside()
			sess = &pool
			last = explainError(r.driver, r.o.recorder.Record(ctx, sess, rep))
		}
		if errors.Is(last, ErrLockTimeout) {
			return false, nil // the holder may let go: try again
		}
		return last == nil, last
	}}.Poll(rctx)
	switch {
	case err != nil && last != nil:
		log.Warn("run history not recorded", "err", last, "tries", tries)
	case err != nil:
		log.Warn("run history not recorded", "err", err, "tries", tries)
	case tries > 1:
		log.Info("run history recorded after waiting for the database", "tries", tries)
	}
}
