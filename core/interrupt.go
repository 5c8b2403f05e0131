package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RunInterrupted is the status of a run stopped by its context (a signal
// in the CLI, a cancelled request in a service) before it finished. What
// the steps committed before the stop stays; the next run resumes.
const RunInterrupted = "interrupted"

// StepGrace is how long a step already applying may go on after the run
// is cancelled, to commit or roll back cleanly; after it the step's
// statements are cancelled and its transaction rolled back.
const StepGrace = stepGrace

// ErrStepTimeout: a step took longer than WithStepTimeout allows; its
// statements were cancelled and its transaction rolled back.
var ErrStepTimeout = errors.New("step timed out")

// interrupted wraps err, the error of a run whose context is done, so it
// says why the run stopped and matches ErrInterrupted.
func interrupted(ctx context.Context, err error) error {
	if errors.Is(err, ErrInterrupted) {
		return err
	}
	return fmt.Errorf("core: %w (%w): %w", ErrInterrupted, context.Cause(ctx), err)
}

// stepDeadline is the deadline of a step started at t0, or the zero time
// without a step timeout.
func (r *Runner) stepDeadline(t0 time.Time) time.Time {
	if r.o.stepTimeout <= 0 {
		return time.Time{}
	}
	return t0.Add(r.o.stepTimeout)
}

// withDeadline bounds ctx by deadline unless it is zero.
func withDeadline(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline)
}

// stepFailure explains why a step's phase failed when the cause was not
// the step itself: its own timeout, or the run being stopped.
func (r *Runner) stepFailure(ctx context.Context, deadline time.Time, phase Phase, transactional bool, err error) error {
	switch {
	case ctx.Err() != nil:
		if phase == PhaseApply && transactional {
			return fmt.Errorf("%w (%w); rolled back after the %s grace: %w", ErrInterrupted, context.Cause(ctx), stepGrace, err)
		}
		return fmt.Errorf("%w (%w): %w", ErrInterrupted, context.Cause(ctx), err)
	case !deadline.IsZero() && !time.Now().Before(deadline):
		if phase == PhaseApply && transactional {
			return fmt.Errorf("%w after %s, its statements cancelled and rolled back: %w", ErrStepTimeout, r.o.stepTimeout, err)
		}
		return fmt.Errorf("%w after %s: %w", ErrStepTimeout, r.o.stepTimeout, err)
	}
	return err
}
