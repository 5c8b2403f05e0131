package core

import (
	"errors"
	"fmt"

	"github.com/groundworkdb/groundwork/model"
)

// Sentinels, checked with errors.Is.
var (
	// ErrInvalid marks bad input found before anything is written.
	ErrInvalid = model.ErrInvalid
	// ErrDuplicateStep: two steps in a registry share an id.
	ErrDuplicateStep = errors.New("duplicate step id")
	// ErrUnknownDependency: a step runs after an id no step has.
	ErrUnknownDependency = errors.New("unknown dependency")
	// ErrCycle: the dependencies of some steps form a cycle.
	ErrCycle = errors.New("dependency cycle")
	// ErrLockTimeout: another runner held the lock longer than the wait.
	ErrLockTimeout = errors.New("lock wait timed out")
	// ErrNotConverged: after apply, verify still found work to do.
	ErrNotConverged = errors.New("not converged after apply")
	// ErrUnsupported: the driver lacks an optional capability a step needs.
	ErrUnsupported = errors.New("not supported by this driver")
	// ErrInterrupted: the run was cancelled between steps.
	ErrInterrupted = errors.New("interrupted")
)

// Phase names where a step failed.
type Phase string

// The phases of a step.
const (
	PhaseCheck  Phase = "check"
	PhaseApply  Phase = "apply"
	PhaseVerify Phase = "verify"
)

// StepError is the error of one step in one phase.
type StepError struct {
	Step  string
	Phase Phase
	Err   error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %s: %s: %v", e.Step, e.Phase, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// LockError says which lock a runner waited for and who held it.
type LockError struct {
	Name   string
	Holder string
	Waited string
	Err    error
}

func (e *LockError) Error() string {
	msg := fmt.Sprintf("lock %q", e.Name)
	if e.Holder != "" {
		msg += " held by " + e.Holder
	}
	if e.Waited != "" {
		msg += ", waited " + e.Waited
	}
	return msg + ": " + e.Err.Error()
}

func (e *LockError) Unwrap() error { return e.Err }
