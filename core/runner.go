package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// stepGrace is how long a step already under way may go on after the
// run is cancelled: long enough to commit or roll back cleanly, short
// enough that a stopping container is not killed first.
const stepGrace = 3 * time.Second

// Runner executes the steps of a registry against one database. It holds
// no global state; build one per database and run it as often as needed.
type Runner struct {
	driver Driver
	reg    *Registry
	o      options
	tel    *telemetry // nil without telemetry options (telemetry.go)
}

// NewRunner returns a runner for the registry on the driver's database.
func NewRunner(d Driver, reg *Registry, opts ...Option) *Runner {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return &Runner{driver: d, reg: reg, o: o, tel: newTelemetry(o, d.Dialect())}
}

// Apply takes the lock, makes every selected step hold, then verifies all
// of them. It returns the report and, when the run failed, an error (a
// *StepError for a step, a *LockError for the lock). Drift is not an
// error: read it from the report.
func (r *Runner) Apply(ctx context.Context) (*Report, error) {
	return r.run(ctx, ModeApply)
}

// Plan reports what Apply would do, with the exact SQL, and writes nothing.
func (r *Runner) Plan(ctx context.Context) (*Report, error) {
	return r.run(ctx, ModePlan)
}

// Verify checks every selected step read-only: the readiness probe.
func (r *Runner) Verify(ctx context.Context) (*Report, error) {
	return r.run(ctx, ModeVerify)
}

func (r *Runner) run(ctx context.Context, mode string) (rep *Report, err error) {
	start := time.Now()
	rep = &Report{Mode: mode, Dialect: r.driver.Dialect(), StartedAt: start.UTC(), Steps: []StepReport{}}
	counter := &Counter{}
	ctx = WithCounter(ctx, counter)
	ctx, span := r.tel.startRun(ctx, mode) // telemetry
	if r.o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.o.timeout)
		defer cancel()
	}
	log := r.o.logger.With("mode", mode, "dialect", rep.Dialect)
	defer func() {
		settle(rep, start, counter, err)
		r.tel.endRun(ctx, span, rep, err) // telemetry
		log.Info("run finished", "status", rep.Status, "changed", rep.Changed,
			"duration_ms", rep.DurationMS, "queries", rep.Queries, "statements", rep.Statements)
	}()

	steps, err := r.reg.Select(r.o.selection)
	if err != nil {
		return rep, err
	}
	sess := &Session{
		Driver: r.driver, DB: r.driver.DB(), raw: r.driver.DB().DB,
		Logger: log, Environment: r.o.environment,
		catalog: &catalogCache{}, memo: map[any]any{}, tel: r.tel, proven: map[string]bool{},
		reads: &readCache{},
	}
	sess.scopeCatalog(steps, r.o.recorder)

	if mode != ModeApply {
		// Plan and verify (the readiness probe) take no lock.
		err = r.runSteps(ctx, sess, steps, mode, rep, nil)
		if err != nil && ctx.Err() != nil {
			err = interrupted(ctx, err)
		}
		return rep, err
	}

	// Check, lock, re-check: the checks run first without the lock, and
	// only a run that finds work (or drift) takes the lock and checks
	// again under it; those checks are the authority. A converged start
	// thus takes no lock and writes nothing; a run to record anyway
	// (failed, interrupted, or WithRecordAll) takes it to record.
	work, perr := r.probe(ctx, sess, steps, rep)
	if !work {
		err = perr
		if err == nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("core: %w (%w) before the verify phase; every step ran; run verify to check", ErrInterrupted, context.Cause(ctx))
			} else {
				vctx, verifyDone := r.tel.verifyPhase(ctx, rep) // telemetry
				err = r.verifyAll(vctx, sess, steps, rep, false)
				verifyDone(err) // telemetry
			}
		}
		if err != nil && ctx.Err() != nil {
			err = interrupted(ctx, err)
		}
		settle(rep, start, counter, err)
		if r.recordable(rep) {
			r.recordUnlocked(ctx, sess, rep, start, counter, err)
		}
		return rep, err
	}
	// The probe's snapshot and reports are not the authority: check again
	// under the lock, from a fresh catalog. The session's memo is kept:
	// it is once per run (the host's revision, a host wait already spent).
	rep.Steps = []StepReport{}
	sess.Refresh()

	lockStart := time.Now()
	// lerr, not err: the deferred recorder below must see the run's
	// final error, the named result.
	lctx, lockDone := r.tel.phase(ctx, phaseLock) // telemetry
	lock, lerr := r.driver.Lock(lctx, r.o.lockName, r.o.lockWait)
	lockDone(lerr) // telemetry
	rep.LockWaitMS = ms(time.Since(lockStart))
	if lerr != nil {
		if ctx.Err() != nil {
			lerr = interrupted(ctx, lerr)
		}
		return rep, lerr
	}
	held := newHeldLock(lock)
	sess.memo[heldLockKey{}] = held
	log.Debug("lock acquired", "lock", r.o.lockName, "waited_ms", rep.LockWaitMS)
	defer r.unlock(ctx, lock)
	// Under a lock its session holds (SessionLock), every statement of
	// the run runs on that session: checks, writes, verify and the
	// history row. A run then needs one connection, the one the probe
	// warmed, and none of its statements can run once the lock is gone.
	locked := sess
	if held.onSession() {
		locked = sess.withConn(*held.conn)
	}
	if r.o.recorder != nil {
		defer func() {
			settle(rep, start, counter, err)
			if r.recordable(rep) {
				r.record(ctx, locked, rep, log)
			}
		}()
	}

	err = r.runSteps(ctx, locked, steps, mode, rep, held)
	err = held.lostOnSession(ctx, err)
	if err == nil && anyApplied(rep) {
		// A run that wrote reports success only while it still holds
		// the lock: fenced commits and writes on the lock's session
		// need no more, but a statement only checked before it ran
		// does (checkAfterWrites).
		if lerr := held.checkAfterWrites(ctx); lerr != nil {
			err = fmt.Errorf("core: after the last step: %w", lerr)
		}
	}
	if err != nil && ctx.Err() != nil {
		err = interrupted(ctx, err)
	}
	return rep, err
}

// settle completes the report at the end of a run: totals, error and
// status, "interrupted" when the run was stopped before it finished.
func settle(rep *Report, start time.Time, counter *Counter, err error) {
	rep.Queries = counter.Load()
	if err != nil {
		rep.Error = err.Error()
	}
	rep.finish(start)
	if errors.Is(err, ErrInterrupted) {
		rep.Status = RunInterrupted
	}
}

// probe is the optimistic pass of an apply run: it checks the steps in
// order without the lock, as a plan would, and stops at the first step
// that has work or found drift, which it reports as work: those are
// decided again under the lock. A check that fails ends the run. Without
// work, rep holds the checks the verify phase builds on, exactly as an
// apply under the lock would.
func (r *Runner) probe(ctx context.Context, sess *Session, steps []Step, rep *Report) (work bool, err error) {
	skipped := map[string]bool{}
	// The reads are sent when the first step that declares some is
	// checked: a cold start's first step (a table to create) finds work
	// on the catalog alone, and the pass under the lock reads again.
	sess.prefetchFirst(ctx, steps)
	fetched := false
	for i, st := range steps {
		r.o.report(Progress{Phase: PhaseCheck, Step: st.Info().ID, Index: i + 1, Total: len(steps)})
		if ctx.Err() != nil {
			return false, fmt.Errorf("core: %w (%w) before step %s; nothing was written", ErrInterrupted, context.Cause(ctx), st.Info().ID)
		}
		if _, ok := st.(Reader); ok && !fetched {
			sess.prefetch(ctx, steps)
			fetched = true
		}
		if dep := firstSkipped(st.Info().After, skipped); dep != "" {
			skipped[st.Info().ID] = true
			rep.Steps = append(rep.Steps, StepReport{ID: st.Info().ID, Status: StatusSkipped, Reason: "runs after " + dep + ", which was skipped"})
			continue
		}
		sr, _, err := r.runStep(ctx, sess, st, stepRun{mode: ModePlan})
		if err != nil {
			// Final, as under the lock: a check reads whatever state a
			// crash or a concurrent runner leaves (that is what makes a run
			// resumable), so the lock would not change its outcome, and a
			// check that timed out would only time out twice.
			rep.Steps = append(rep.Steps, sr)
			return false, err
		}
		if sr.Status == StatusPending || sr.Status == StatusDrift {
			return true, nil
		}
		skipped[st.Info().ID] = sr.Status == StatusSkipped
		rep.Steps = append(rep.Steps, sr)
	}
	return false, nil
}

// recordable tells whether a finished apply run goes to the recorder:
// every run with WithRecordAll, otherwise only one that changed
// something, failed, found drift or was interrupted.
func (r *Runner) recordable(rep *Report) bool {
	if r.o.recorder == nil {
		return false
	}
	return r.o.recordAll || rep.Changed || rep.Status != RunConverged
}

// recordUnlocked records a run that needed no lock to do its work (it
// found nothing to do) but must be recorded: it takes the lock for the
// recorder alone, as the recorder may create its table, waiting at most
// the lock timeout, and not longer than recordWait once the run is
// stopped. Like a failure to record, a lock it cannot take is logged and
// does not fail the run.
func (r *Runner) recordUnlocked(ctx context.Context, sess *Session, rep *Report, start time.Time, counter *Counter, err error) {
	wait := r.o.lockWait
	lctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recordWait)
		defer cancel()
		wait = min(wait, recordWait)
	}
	lockStart := time.Now()
	lctx, lockDone := r.tel.phase(lctx, phaseLock) // telemetry
	lock, lerr := r.driver.Lock(lctx, r.o.lockName, wait)
	lockDone(lerr) // telemetry
	rep.LockWaitMS = ms(time.Since(lockStart))
	if lerr != nil {
		r.o.logger.Warn("run history not recorded: lock not taken", "err", lerr)
		return
	}
	defer r.unlock(ctx, lock)
	settle(rep, start, counter, err) // count the lock's round trips too
	r.record(ctx, sess, rep, r.o.logger)
}

// recordWait bounds the lock wait of a stopped run's history row (the
// write itself is bounded by RecordTimeout).
const recordWait = 5 * time.Second

func (r *Runner) unlock(ctx context.Context, lock Lock) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if uerr := lock.Unlock(uctx); uerr != nil {
		r.o.logger.Warn("lock release failed; the database releases it when the connection closes", "lock", r.o.lockName, "err", uerr)
	}
}

// runSteps runs the steps in order and then, unless planning, the shared
// verify phase. A cancelled context stops it between steps.
func (r *Runner) runSteps(ctx context.Context, sess *Session, steps []Step, mode string, rep *Report, held *heldLock) error {
	applied := false
	skipped := map[string]bool{}
	sess.prefetch(ctx, steps)
	g := r.newGroup(ctx, sess, mode, held) // nil unless steps share transactions (group.go)
	defer g.rollback()
	solo := -1 // after a group failed, the steps up to this one run alone
	for i := 0; i <= len(steps); i++ {
		if i == len(steps) {
			// The end: commit what is still grouped before verify reads.
			err := g.commit()
			if err == nil {
				break
			}
			from, err := g.failed(ctx, sess, rep, err)
			if err != nil {
				return err
			}
			i, solo = from-1, i-1
			continue
		}
		st := steps[i]
		r.o.report(Progress{Phase: PhaseCheck, Step: st.Info().ID, Index: i + 1, Total: len(steps)})
		if ctx.Err() != nil {
			if err := g.commit(); err != nil {
				_, err = g.failed(ctx, sess, rep, err)
				return err
			}
			resume := ""
			if mode == ModeApply {
				resume = "; the steps before it are committed and the next run resumes"
			}
			return fmt.Errorf("core: %w (%w) before step %s%s", ErrInterrupted, context.Cause(ctx), st.Info().ID, resume)
		}
		if dep := firstSkipped(st.Info().After, skipped); dep != "" {
			skipped[st.Info().ID] = true
			rep.Steps = append(rep.Steps, StepReport{ID: st.Info().ID, Status: StatusSkipped, Reason: "runs after " + dep + ", which was skipped"})
			continue
		}
		sr, changed, err := r.runStep(ctx, sess, st, stepRun{mode: mode, showSQL: true, held: held, g: g.at(i, solo, rep)})
		skipped[st.Info().ID] = sr.Status == StatusSkipped
		rep.Steps = append(rep.Steps, sr)
		rep.Statements += len(sr.SQL) * boolInt(mode == ModeApply)
		applied = applied || changed
		if err != nil {
			from, err := g.failed(ctx, sess, rep, err)
			if err != nil {
				return err
			}
			i, solo = from-1, i
		}
	}
	if mode == ModePlan {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("core: %w (%w) before the verify phase; every step ran; run verify to check", ErrInterrupted, context.Cause(ctx))
	}
	ctx, verifyDone := r.tel.verifyPhase(ctx, rep) // telemetry
	err := r.verifyAll(ctx, sess, steps, rep, applied)
	verifyDone(err) // telemetry
	return err
}

// anyApplied: some step of the run wrote.
func anyApplied(rep *Report) bool {
	for _, s := range rep.Steps {
		if s.Status == StatusApplied || s.Status == StatusDrift && len(s.Changes) > 0 {
			return true
		}
	}
	return false
}

func firstSkipped(after []string, skipped map[string]bool) string {
	for _, id := range after {
		if skipped[id] {
			return id
		}
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stepRun is how runStep runs a step: its mode, whether the report shows
// the plan's SQL, and in apply mode the run's lock and group.
type stepRun struct {
	mode string
	// showSQL renders the plan's statements into the report. The check
	// without the lock (the probe) leaves it off: the report of a step
	// with changes is dropped there (the work is decided under the lock),
	// and rendering costs (W4: 1,000 rows of links).
	showSQL bool
	held    *heldLock
	g       *group
}

// runStep checks one step and, in apply mode, applies its plan, fenced
// by the run's lock (heldLock), in the transaction of the group when the
// plan joins it (group.go). The step timeout bounds both; a cancelled run
// lets an apply under way finish within stepGrace.
func (r *Runner) runStep(ctx context.Context, sess *Session, st Step, run stepRun) (sr StepReport, changed bool, err error) {
	mode, held, g := run.mode, run.held, run.g
	info := st.Info()
	t0 := time.Now()
	deadline := r.stepDeadline(t0)
	sr = StepReport{ID: info.ID}
	log := sess.Logger.With("step", info.ID)
	defer func() { sr.DurationMS = ms(time.Since(t0)) }()
	ctx, span := r.tel.startStep(ctx, info.ID)       // telemetry
	defer func() { r.tel.endStep(span, &sr, err) }() // telemetry
	fail := func(phase Phase, err error) (StepReport, bool, error) {
		err = explainError(r.driver, err)
		err = r.stepFailure(ctx, deadline, phase, capabilities(r.driver).TransactionalDDL, err)
		if !errors.Is(err, ErrStepTimeout) {
			// Its check ran on the lock's session too: one that failed
			// because the server ended the session is a lost lock.
			err = held.lostOnSession(ctx, err)
		}
		se := &StepError{Step: info.ID, Phase: phase, Err: err}
		sr.Status, sr.Error = StatusFailed, se.Error()
		sr.DurationMS = ms(time.Since(t0))
		log.Error("step failed", "phase", phase, "err", err)
		return sr, false, se
	}

	csess, err := g.checkSession(sess)
	if err != nil {
		return sr, false, err // the group's failure: the runner redoes it
	}
	cctx, ccancel := withDeadline(ctx, deadline)
	defer ccancel()
	cctx, checkDone := r.tel.phase(cctx, PhaseCheck) // telemetry
	plan, err := st.Check(cctx, csess)
	checkDone(err) // telemetry
	if err != nil {
		return fail(PhaseCheck, err)
	}
	if plan == nil {
		plan = &Plan{}
	}
	sr.Notes, sr.Drift = plan.Notes, plan.Drift
	if plan.Skip != "" {
		sr.Status, sr.Reason, sr.NotReady, sr.Notice = StatusSkipped, plan.Skip, plan.NotReady, plan.Notice
		log.Info("step skipped", "reason", plan.Skip)
		return sr, false, nil
	}
	for _, c := range plan.Changes {
		sr.Changes = append(sr.Changes, c.Summary)
		if run.showSQL {
			for _, s := range c.Statements {
				sr.SQL = append(sr.SQL, Display(r.driver, s))
			}
		}
	}
	switch {
	case len(plan.Changes) == 0 && len(plan.Drift) == 0:
		sr.Status = StatusOK
		return sr, false, nil
	case mode == ModeVerify && plan.Converging():
		// Data the application's activity made due (a sign-up): ready,
		// and the next apply adds it.
		sr.Status, sr.Pending = StatusPending, plan.pending()
		return sr, false, nil
	case len(plan.Changes) == 0 || mode == ModeVerify:
		sr.Status = StatusDrift
		for _, c := range plan.Changes {
			sr.Drift = append(sr.Drift, Drift{Object: info.ID, Detail: "not applied: " + c.Summary})
		}
		sr.Changes = nil
		return sr, false, nil
	case mode == ModePlan:
		sr.Status = StatusPending
		return sr, false, nil
	}

	grouped := g.joins(st, plan)
	if !grouped {
		if err := g.commit(); err != nil {
			return sr, false, err // the group's failure: the runner redoes it
		}
	}
	// Applying: a cancelled run lets this step finish or roll back within
	// stepGrace instead of tearing it down mid-statement.
	actx, cancel := withDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(stepGrace, cancel) })
	defer stop()

	caps := capabilities(r.driver)
	sr.Transactional = &caps.TransactionalDDL
	log.Info("applying step", "changes", len(plan.Changes))
	actx, applyDone := r.tel.phase(actx, PhaseApply) // telemetry
	var rows int64
	var proven bool
	if grouped {
		rows, err = g.apply(actx, sess, st, plan)
	} else {
		rows, proven, err = r.applyPlan(actx, sess, st, plan, caps.TransactionalDDL, held, &sr.Batches)
	}
	applyDone(err) // telemetry
	if proven {
		sess.proven[info.ID] = true
	}
	// What was prefetched may no longer hold: later checks read again,
	// unless the plan only created objects no prefetched read can name
	// (a cold start's tables, indexes and view keep the reads of the
	// data steps after them).
	if _, custom := st.(Applier); err != nil || custom || !plan.createsOnly() {
		sess.reads.invalidate()
	}
	if err != nil {
		sess.catalog.dirty = true
		return fail(PhaseApply, err)
	}
	if _, custom := st.(Applier); custom {
		sess.catalog.dirty = true // it may have done more than its plan says
	} else {
		sess.catalog.recordApplied(plan)
	}
	sr.RowsAffected = rows
	sr.Status = StatusApplied
	if len(plan.Drift) > 0 {
		sr.Status = StatusDrift
	}
	log.Info("step applied", "changes", len(plan.Changes), "rows", rows)
	return sr, true, nil
}

// applyPlan applies a plan and reports the rows affected and whether it
// proved itself: every batched change with a proof in each batch, every
// other change Convergence.
func (r *Runner) applyPlan(ctx context.Context, sess *Session, st Step, plan *Plan, transactional bool, held *heldLock, batches *int) (int64, bool, error) {
	if _, custom := st.(Applier); custom || !plan.batched() {
		rows, err := r.applyChanges(ctx, sess, st, plan, transactional, held)
		return rows, false, err
	}
	// Batched changes commit on their own; the changes between them are
	// applied together, in order, as a plan of their own.
	var total int64
	proven := true
	var run []Change
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		n, err := r.applyChanges(ctx, sess, st, &Plan{Changes: run}, transactional, held)
		total, run = total+n, nil
		return err
	}
	for _, c := range plan.Changes {
		if c.Batches == nil {
			// Only batches prove themselves; a change between them must
			// be data the verify phase may skip.
			proven = proven && c.Convergence
			run = append(run, c)
			continue
		}
		if err := flush(); err != nil {
			return total, false, err
		}
		done := 0
		n, ok, err := r.applyBatches(ctx, sess, c, held, &done)
		*batches += done
		total, proven = total+n, proven && ok
		if err != nil {
			return total, false, err
		}
	}
	if err := flush(); err != nil {
		return total, false, err
	}
	return total, proven, nil
}

func (r *Runner) applyChanges(ctx context.Context, sess *Session, st Step, plan *Plan, transactional bool, held *heldLock) (int64, error) {
	_, custom := st.(Applier)
	if custom {
		// A step's own Applier may write anywhere (its own transactions,
		// FenceTx, CheckLock): the run checks the lock once more at the
		// end.
		held.markUnfenced()
	}
	if !transactional {
		if held.onSession() && !custom {
			// Each statement on the lock's session (sess is on it, see
			// run): it runs only while the lock is held, no check needed
			// before it.
			rows, err := execPlan(ctx, sess, st, plan, nil)
			return rows, held.lostOnSession(ctx, err)
		}
		// No commit to fence: the lock is checked before each statement.
		return execPlan(ctx, sess, st, plan, held.checkBefore)
	}
	tx, err := held.beginTx(ctx, r.driver, nil)
	if err != nil {
		return 0, fmt.Errorf("core: begin: %w", err)
	}
	// BEGIN and COMMIT are counted by the driver's QueryCounter hook.
	rows, err := execPlan(ctx, sess.withTx(tx), st, plan, nil)
	if err == nil {
		err = held.fenceOwnTx(ctx, tx.Tx)
	}
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, held.lostOnSession(ctx, fmt.Errorf("core: commit: %w", err))
	}
	return rows, nil
}

// execPlan runs the plan's statements; before, when not nil, runs ahead
// of each one (a custom Applier: ahead of it).
func execPlan(ctx context.Context, sess *Session, st Step, plan *Plan, before func(context.Context) error) (int64, error) {
	if before == nil {
		before = func(context.Context) error { return nil }
	}
	if a, ok := st.(Applier); ok {
		if err := before(ctx); err != nil {
			return 0, err
		}
		return 0, a.Apply(ctx, sess, plan)
	}
	var total int64
	for _, c := range plan.Changes {
		for _, s := range c.Statements {
			if err := before(ctx); err != nil {
				return total, err
			}
			res, err := sess.Exec(ctx, s)
			if err != nil {
				return total, fmt.Errorf("%s: %w", c.Summary, err)
			}
			if n, err := res.RowsAffected(); err == nil && n > 0 {
				total += n
			}
		}
	}
	return total, nil
}

// verifyAll is the shared verify phase: every step is checked again
// against the live database. When nothing was applied the checks made
// under the lock still hold, so only the Verifier proofs run again.
func (r *Runner) verifyAll(ctx context.Context, sess *Session, steps []Step, rep *Report, applied bool) error {
	var errs []error
	if applied {
		sess.Refresh() // verify reads the database, never the run's own snapshot
		sess.prefetch(ctx, steps)
	}
	for i, st := range steps {
		sr := &rep.Steps[i]
		if sr.Status == StatusSkipped {
			continue
		}
		r.o.report(Progress{Phase: PhaseVerify, Step: st.Info().ID, Index: i + 1, Total: len(steps)})
		info := st.Info()
		ctx := verifyStep(ctx, i) // telemetry: the step's verify span
		// A step whose batches proved themselves, each in its own
		// transaction, is not checked again: that would read every row
		// once more (a million users), and could only find what the
		// application added since.
		if applied && !sess.proven[info.ID] {
			plan, err := st.Check(ctx, sess)
			if err != nil {
				errs = append(errs, r.markFailed(sr, &StepError{Step: info.ID, Phase: PhaseVerify, Err: err}))
				continue
			}
			if plan.Converging() && sr.Status == StatusOK {
				// The step had nothing to do under the lock: what is left
				// came after it, the application's own activity, which
				// the next apply completes.
				for _, c := range plan.Changes {
					sr.Notes = append(sr.Notes, "since the step ran: "+c.Summary+" (the next apply does it)")
				}
			} else if plan != nil && len(plan.Changes) > 0 {
				err := fmt.Errorf("%s: %w", plan.Changes[0].Summary, ErrNotConverged)
				errs = append(errs, r.markFailed(sr, &StepError{Step: info.ID, Phase: PhaseVerify, Err: err}))
				continue
			}
		}
		if v, ok := st.(Verifier); ok {
			drift, err := v.Verify(ctx, sess)
			if err != nil {
				errs = append(errs, r.markFailed(sr, &StepError{Step: info.ID, Phase: PhaseVerify, Err: err}))
				continue
			}
			if len(drift) > 0 {
				sr.Drift = append(sr.Drift, drift...)
				sr.Status = StatusDrift
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Runner) markFailed(sr *StepReport, err *StepError) error {
	err.Err = explainError(r.driver, err.Err)
	sr.Status, sr.Error = StatusFailed, err.Error()
	r.o.logger.Error("verify failed", "step", err.Step, "err", err.Err)
	return err
}
