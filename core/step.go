package core

import "context"

// StepInfo describes a step to the registry and to people.
type StepInfo struct {
	// ID is stable across releases: history and selection refer to it.
	ID string `json:"id"`
	// Description is one line saying what the step ensures.
	Description string `json:"description"`
	// After lists the ids this step must run after.
	After []string `json:"after,omitempty"`
	// Tags select groups of steps (for example "usage" or "development").
	Tags []string `json:"tags,omitempty"`
	// OptIn steps run only when selected by id or tag, never by default.
	OptIn bool `json:"opt_in,omitempty"`
}

// Step is the unit the runner executes. Check is read-only: it returns
// what is missing or different as a Plan whose statements, once run, make
// it so. The runner applies a plan by running its statements (in one
// transaction where the dialect's DDL is transactional), so apply is
// idempotent by construction: a second Check finds nothing to do.
//
// The shared verify phase calls Check again after apply; a step that needs
// more proof than "nothing left to do" implements Verifier.
type Step interface {
	Info() StepInfo
	Check(ctx context.Context, s *Session) (*Plan, error)
}

// Verifier is optional: Verify proves a step's result beyond an empty
// plan (for example that a view returns exactly the expected rows). It
// returns what does not hold. Without it, an empty Check is the proof.
type Verifier interface {
	Verify(ctx context.Context, s *Session) ([]Drift, error)
}

// Applier is optional: a step whose changes cannot be expressed as a list
// of statements applies its plan itself. Without it the runner executes
// the plan's statements in order.
type Applier interface {
	Apply(ctx context.Context, s *Session, p *Plan) error
}

// Validator is optional: NewRegistry calls Validate on every step that has
// it, so a bad spec is an error before anything is written.
type Validator interface {
	Validate() error
}
