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
	// ErrNotConverged: after apply, verify still found work to do.
	ErrNotConverged = errors.New("not converged after apply")
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
