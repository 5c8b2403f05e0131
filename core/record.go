package core

import (
	"context"
	"errors"
	"fmt"
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
		last = explainError(r.driver, r.recordOnce(ctx, sess, rep))
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

// recordOnce hands the run to the recorder once. A recorder that is about
// to create its objects (a cold start's history table) does it in one
// transaction with its row, where DDL is transactional: one commit, an
// fsync on SQLite, instead of one for the table and one for the row.
func (r *Runner) recordOnce(ctx context.Context, sess *Session, rep *Report) error {
	if !capabilities(r.driver).TransactionalDDL || !recorderCreates(sess, r.o.recorder) {
		return r.o.recorder.Record(ctx, sess, rep)
	}
	tx, err := r.driver.DB().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("core: begin: %w", err)
	}
	if err := r.o.recorder.Record(ctx, sess.withTx(tx), rep); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("core: commit: %w", err)
	}
	return nil
}

// recorderCreates reports whether the run's catalog snapshot, still
// current, lacks an object the recorder names (CatalogScoper): the
// recorder then creates it. Without a current snapshot or the names it
// reports false, and the recorder writes as it always did.
func recorderCreates(sess *Session, rec Recorder) bool {
	cs, ok := rec.(CatalogScoper)
	cat := sess.catalog.cat
	if !ok || cat == nil || sess.catalog.dirty {
		return false
	}
	for _, n := range cs.CatalogNames() {
		if cat.Tables[n] == nil && cat.Views[n] == nil {
			return true
		}
	}
	return false
}
