package core

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Batcher is set on a Change whose rows are too many for one transaction
// beside a live application (SQLite's single writer lock, the row locks
// of a long INSERT … SELECT). The runner applies such a change as a
// sequence of batches, each in its own transaction, fenced by the run's
// lock and committed on its own, so the application waits at most one
// batch for a lock and a run killed between batches has kept what it
// committed: the next run's Check finds less to do and completes it.
//
// The change's Statements are then only what a plan shows; the batches
// are what runs.
type Batcher interface {
	// NextBatch returns the batch that follows prev (nil before the
	// first), or nil when the change is complete. s reads the database
	// outside any transaction (to find the next key range, say).
	NextBatch(ctx context.Context, s *Session, prev *BatchResult) (*Batch, error)
}

// batchAttempts bounds the runs of one batch that keeps losing races.
const batchAttempts = 4

// Batch is one transaction of a batched change.
type Batch struct {
	// Statements run in order in the batch's transaction.
	Statements []Statement
	// Proof, when set, is a query returning one count of what the batch
	// should have left undone: zero, or the batch fails with
	// ErrNotConverged and rolls back. It runs in the batch's transaction,
	// once before the statements (so every dialect's transaction reads
	// one snapshot from then on: MySQL takes it at the first read, not at
	// BEGIN) and once after them, at repeatable read: it proves what the
	// batch did against the rows the batch acted on, so rows the
	// application adds meanwhile (a sign-up) never fail it.
	Proof *Statement
	// Label names the batch in logs and errors (a key range, say).
	Label string
}

// BatchResult is what the runner tells NextBatch about the batch before.
type BatchResult struct {
	// Index counts batches from 1.
	Index int
	// Rows is what the batch's statements affected.
	Rows int64
	// Missing is the Proof's count before the statements ran (-1 without
	// a Proof): how much the batch had to do.
	Missing int64
	// Duration is how long the batch's transaction took, commit included.
	Duration time.Duration
}

// applyBatches runs the batches of c, each committed on its own. It
// returns the rows affected and whether every batch carried a proof, and
// counts the batches in *batches.
func (r *Runner) applyBatches(ctx context.Context, sess *Session, c Change, held *heldLock, batches *int) (int64, bool, error) {
	var total int64
	var prev *BatchResult
	proven := true
	for i := 1; ; i++ {
		if err := ctx.Err(); err != nil {
			return total, proven, fmt.Errorf("%s: after %d batches: %w", c.Summary, i-1, context.Cause(ctx))
		}
		b, err := c.Batches.NextBatch(ctx, sess, prev)
		if err != nil {
			return total, proven, fmt.Errorf("%s: batch %d: %w", c.Summary, i, err)
		}
		if b == nil {
			return total, proven, nil
		}
		if sw, ok := r.driver.(SingleWriter); ok && prev != nil {
			// Between two batches, not after the last one: a change
			// done in one batch (a cold start's few rows) waits for
			// nothing.
			select {
			case <-ctx.Done():
			case <-time.After(sw.WriterGap()):
			}
			if err := ctx.Err(); err != nil {
				return total, proven, fmt.Errorf("%s: after %d batches: %w", c.Summary, i-1, context.Cause(ctx))
			}
		}
		proven = proven && b.Proof != nil
		t0 := time.Now()
		res, err := r.applyBatch(ctx, sess, b, held)
		for attempt := 2; err != nil && attempt <= batchAttempts && r.conflict(err) && ctx.Err() == nil; attempt++ {
			sess.Logger.Info("batch lost a race with a concurrent transaction; running it again",
				"batch", i, "range", b.Label, "attempt", attempt, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt-1) * 50 * time.Millisecond):
			}
			res, err = r.applyBatch(ctx, sess, b, held)
		}
		if err != nil {
			return total, proven, fmt.Errorf("%s: batch %d (%s): %w", c.Summary, i, b.Label, err)
		}
		res.Index, res.Duration = i, time.Since(t0)
		*batches = i
		total += res.Rows
		sess.Logger.Debug("batch committed", "batch", i, "range", b.Label, "rows", res.Rows, "duration_ms", ms(res.Duration))
		prev = &res
	}
}

// applyBatch runs one batch in its own transaction: fence, proof, the
// statements, proof again, fence, commit (see fenceBatch for which fences
// a lock needs), on the lock's session where the lock has one.
func (r *Runner) applyBatch(ctx context.Context, sess *Session, b *Batch, held *heldLock) (BatchResult, error) {
	res := BatchResult{Missing: -1}
	tx, err := held.beginTx(ctx, r.driver, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return res, fmt.Errorf("core: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	res, err = r.batchIn(ctx, sess.withTx(tx), b, held, tx.Tx)
	if err != nil {
		return res, held.lostOnSession(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return res, held.lostOnSession(ctx, fmt.Errorf("core: commit: %w", err))
	}
	return res, nil
}

// batchIn runs the batch's statements and proofs in tx, fenced by held.
func (r *Runner) batchIn(ctx context.Context, ts *Session, b *Batch, held *heldLock, tx *sql.Tx) (BatchResult, error) {
	res := BatchResult{Missing: -1}
	var err error
	if err := held.fenceBatch(ctx, tx, false); err != nil {
		return res, err
	}
	if b.Proof != nil {
		if res.Missing, err = ts.Count(ctx, b.Proof.SQL, b.Proof.Args...); err != nil {
			return res, fmt.Errorf("core: proof before the batch: %w", err)
		}
	}
	for _, s := range b.Statements {
		out, err := ts.Exec(ctx, s)
		if err != nil {
			return res, err
		}
		if n, err := out.RowsAffected(); err == nil && n > 0 {
			res.Rows += n
		}
	}
	if b.Proof != nil {
		left, err := ts.Count(ctx, b.Proof.SQL, b.Proof.Args...)
		if err != nil {
			return res, fmt.Errorf("core: proof after the batch: %w", err)
		}
		if left != 0 {
			return res, fmt.Errorf("%d rows still to do after the batch did %d: %w", left, res.Rows, ErrNotConverged)
		}
	}
	if err := held.fenceBatch(ctx, tx, true); err != nil {
		return res, err
	}
	return res, nil
}

// conflict: err is a lost race the driver says a new attempt may win.
func (r *Runner) conflict(err error) bool {
	cr, ok := r.driver.(ConflictReporter)
	return ok && cr.Conflict(err)
}
