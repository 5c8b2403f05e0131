package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// A group is a run of consecutive steps applied in one transaction, where
// the dialect's DDL is transactional (PostgreSQL, SQLite): a cold start
// then pays one BEGIN/COMMIT (an fsync on SQLite) for most of the
// registry instead of one per step. The steps stay what they were: each
// is checked, applied, reported and traced on its own, with its own
// timeout; only the commit is shared.
//
// Correctness rules, each one a reason a group ends (commits):
//   - Checks inside a group read through the group's transaction, so a
//     data step sees the rows the steps before it wrote; the catalog
//     snapshot carries the effects of the schema changes. A check that
//     needs the catalog inspected again (a change without an effect made
//     it dirty) would read outside the transaction, so the group commits
//     first.
//   - A custom Applier may commit on its own (FenceTx): the group commits
//     before its check and the step runs alone, as before.
//   - Batched changes commit batch by batch and read outside any
//     transaction: the group commits before they run.
//   - A plan that changes the transaction's settings (PostgreSQL's SET
//     LOCAL lock_timeout) runs in a transaction of its own, so the setting
//     does not outlive its step.
//   - The lock is fenced once, just before the group commits: the fence
//     orders the whole group's commit before the next holder's writes.
//     On the lock's session (SessionLock) the commit itself is the fence.
//
// A failure inside a group that holds writes of earlier steps rolls the
// group back and runs its steps again one transaction each (the path
// without groups): the steps before the failing one are then committed
// and the error is the failing step's own, as if there were no groups.
type group struct {
	r    *Runner
	run  context.Context // the run's
	held *heldLock

	tx     *bun.Tx
	began  time.Time
	sess   *Session // the run's session on tx: the checks' and the applies'
	ctx    context.Context
	cancel context.CancelFunc
	stop   func() bool

	cur, curRep, curStmts int // the step under way: its index, and the report before it
	first, rep, stmts     int // the same for the group's first writer
	writers               int // steps of the group that applied in tx
}

// groupKey keys the run's group in the session's memo (see BeforeWait).
type groupKey struct{}

// groupErr marks a failure of the group itself (its commit), not of the
// step that was running: the runner rolls back and runs the group's steps
// one by one.
type groupErr struct{ err error }

func (e *groupErr) Error() string { return e.err.Error() }
func (e *groupErr) Unwrap() error { return e.err }

// WithStepTransactions applies every step in a transaction of its own,
// as releases before shared transactions did: each step's locks (its
// writes to a table the application shares, on SQLite the database's
// write lock) are then held for that step alone, at the price of a
// commit (an fsync on SQLite) per step. By default consecutive steps
// share one, for at most the transaction budget (WithTransactionBudget).
func WithStepTransactions() Option { return func(o *options) { o.stepTx = true } }

// DefaultTransactionBudget bounds how long a shared transaction stays
// open before the next step starts a new one: its locks (SQLite's write
// lock, the lock a foreign key takes on the application's user and model
// tables while it is created) make the application's writers wait, so it
// is kept well under what a request of the application notices, while a
// cold start's whole schema takes milliseconds.
const DefaultTransactionBudget = 250 * time.Millisecond

// WithTransactionBudget sets how long a shared transaction may stay open
// before the next step starts a new one (DefaultTransactionBudget when
// d <= 0). A step under way is not cut short: the bound is checked
// between steps.
func WithTransactionBudget(d time.Duration) Option {
	return func(o *options) { o.txBudget = d }
}

func (o options) transactionBudget() time.Duration {
	if o.txBudget <= 0 {
		return DefaultTransactionBudget
	}
	return o.txBudget
}

// newGroup returns the run's group, or nil when steps do not share
// transactions: outside apply, where DDL commits on its own (MySQL), and
// with WithStepTransactions.
func (r *Runner) newGroup(ctx context.Context, sess *Session, mode string, held *heldLock) *group {
	if mode != ModeApply || r.o.stepTx || !capabilities(r.driver).TransactionalDDL {
		return nil
	}
	g := &group{r: r, run: ctx, held: held}
	sess.memo[groupKey{}] = g
	return g
}

// at is the group step i may join: none while the steps up to solo run
// alone after a group failed.
func (g *group) at(i, solo int, rep *Report) *group {
	if g == nil || i <= solo {
		return nil
	}
	g.cur, g.curRep, g.curStmts = i, len(rep.Steps), rep.Statements
	return g
}

// open reports whether the group has a transaction under way.
func (g *group) open() bool { return g != nil && g.tx != nil }

// checkSession is the session a step's check reads through: the group's
// transaction when one is open, so it sees what the group wrote, the
// catalog included. A group open for the transaction budget commits first.
func (g *group) checkSession(sess *Session) (*Session, error) {
	if g.open() && time.Since(g.began) >= g.r.o.transactionBudget() {
		if err := g.commit(); err != nil {
			return nil, err
		}
	}
	if g.open() {
		return g.sess, nil
	}
	return sess, nil
}

// joins reports whether the plan can be applied in the group's
// transaction (see the rules on group).
func (g *group) joins(st Step, plan *Plan) bool {
	if g == nil {
		return false
	}
	if _, custom := st.(Applier); custom || plan.batched() {
		return false
	}
	for _, c := range plan.Changes {
		for _, s := range c.Statements {
			if setsTransaction(s.SQL) {
				return false
			}
		}
	}
	return true
}

// setsTransaction: a statement that changes the settings of the
// transaction it runs in (SET LOCAL …, SET TRANSACTION …).
func setsTransaction(sql string) bool {
	f := strings.Fields(sql)
	return len(f) > 1 && strings.EqualFold(f[0], "SET")
}

// begin opens the group's transaction at the step under way. Its context
// is the run's without its end (a step's deadline bounds the step's own
// statements); a stopped run leaves it stepGrace to commit.
func (g *group) begin(sess *Session) error {
	if g.open() {
		return nil
	}
	gctx, cancel := context.WithCancel(context.WithoutCancel(g.run))
	tx, err := g.held.beginTx(gctx, g.r.driver, nil)
	if err != nil {
		cancel()
		return fmt.Errorf("core: begin: %w", err)
	}
	g.tx, g.ctx, g.cancel, g.began = &tx, gctx, cancel, time.Now()
	g.stop = context.AfterFunc(g.run, func() { time.AfterFunc(stepGrace, cancel) })
	g.sess = sess.withTx(tx)
	g.first, g.rep, g.stmts, g.writers = g.cur, g.curRep, g.curStmts, 0
	return nil
}

// apply runs the plan's statements in the group's transaction.
func (g *group) apply(ctx context.Context, sess *Session, st Step, plan *Plan) (int64, error) {
	if err := g.begin(sess); err != nil {
		return 0, err
	}
	// Counted before it runs: a step that fails half-way left statements
	// the rollback undoes.
	g.writers++
	return execPlan(ctx, g.sess, st, plan, nil)
}

// commit fences the lock (fenceOwnTx) and commits the group; nothing to do without a
// transaction. A failure is a *groupErr, and the group stays open for
// failed to roll back and report.
func (g *group) commit() error {
	if !g.open() {
		return nil
	}
	if err := g.held.fenceOwnTx(g.ctx, g.tx.Tx); err != nil {
		return &groupErr{err}
	}
	if err := g.tx.Commit(); err != nil {
		return &groupErr{g.held.lostOnSession(g.run, fmt.Errorf("core: commit: %w", err))}
	}
	g.r.o.logger.Debug("committed the steps applied in one transaction", "steps", g.writers)
	g.end()
	return nil
}

// rollback ends the group without keeping anything.
func (g *group) rollback() {
	if !g.open() {
		return
	}
	_ = g.tx.Rollback()
	g.end()
}

func (g *group) end() {
	g.stop()
	g.cancel()
	g.tx, g.sess, g.writers = nil, nil, 0
}

// failed handles a failure while the group may be open: it rolls the
// group back and, when the group held earlier steps' writes, returns the
// index of its first step, to run its steps again one by one (the report
// and the catalog snapshot are put back to where the group began).
// Otherwise, or when the run was stopped (its earlier steps are then
// reported as rolled back), it returns err.
func (g *group) failed(ctx context.Context, sess *Session, rep *Report, err error) (int, error) {
	if !g.open() {
		return -1, err
	}
	earlier := g.writers
	if !errors.As(err, new(*groupErr)) {
		earlier-- // the failing step's own writes are its own
	}
	first, at, stmts := g.first, g.rep, g.stmts
	g.rollback()
	sess.Refresh() // the snapshot holds the rolled-back effects
	if earlier <= 0 {
		return -1, err
	}
	if ctx.Err() != nil {
		for i := at; i < len(rep.Steps); i++ {
			if s := &rep.Steps[i]; s.Status == StatusApplied || s.Status == StatusDrift && len(s.Changes) > 0 {
				s.Status, s.RowsAffected = StatusPending, 0
				s.Reason = "rolled back with the other steps of its transaction; the next run applies it"
			}
		}
		return -1, err
	}
	g.r.o.logger.Warn("rolled back the steps applied in one transaction; applying them one by one",
		"first", rep.Steps[at].ID, "steps", len(rep.Steps)-at, "err", err)
	rep.Steps, rep.Statements = rep.Steps[:at], stmts
	return first, nil
}

// BeforeWait is for a Check that waits for someone else (the host
// application creating its tables): it commits what the run has applied
// but not committed yet (the steps before this one can share one
// transaction), so no transaction, and none of its locks, is held while
// the check waits, and the check reads the committed database from then
// on. It does nothing outside a shared transaction.
func (s *Session) BeforeWait(ctx context.Context) error {
	g, _ := s.memo[groupKey{}].(*group)
	if !g.open() || g.sess != s {
		return nil
	}
	if err := g.commit(); err != nil {
		return err
	}
	s.outside()
	return nil
}
