package core

import (
	"fmt"
	"strings"
)

// Plan is what a step would do, computed by Check.
type Plan struct {
	// Changes are applied in order.
	Changes []Change
	// Drift lists differences the step will not heal because healing
	// could lose data. A plan may have both.
	Drift []Drift
	// Skip, when set, is why the step does nothing this run (for example
	// a host table that does not exist yet).
	Skip string
	// NotReady marks a Skip as waiting for something that is not there
	// yet (the host application's tables): a later run may do the step.
	// Callers decide on it (verify is then not ready), never on Skip's
	// text.
	NotReady bool
	// Notice marks a Skip worth a line even on a quiet run: a state an
	// operator acts on (the view held back while the host migrates).
	Notice bool
	// Notes are harmless differences worth telling (an extra column).
	Notes []string
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return p == nil || len(p.Changes) == 0 }

// Converging reports whether the plan has changes, all of them
// Convergence, and no drift: data the next apply adds, nothing wrong.
func (p *Plan) Converging() bool {
	if p == nil || len(p.Changes) == 0 || len(p.Drift) > 0 {
		return false
	}
	for _, c := range p.Changes {
		if !c.Convergence {
			return false
		}
	}
	return true
}

// pending is the sum of the changes' counts.
func (p *Plan) pending() int64 {
	var n int64
	for _, c := range p.Changes {
		n += c.Count
	}
	return n
}

// batched reports whether a change of the plan is applied in batches.
func (p *Plan) batched() bool {
	for _, c := range p.Changes {
		if c.Batches != nil {
			return true
		}
	}
	return false
}

// Add appends a change made of statements with no arguments.
func (p *Plan) Add(summary string, sql ...string) {
	c := Change{Summary: summary}
	for _, q := range sql {
		c.Statements = append(c.Statements, Statement{SQL: q})
	}
	p.Changes = append(p.Changes, c)
}

// addSchema appends a change of the shared ensure algorithm, with what it
// does to the catalog.
func (p *Plan) addSchema(summary string, effect func(*Catalog), sql ...string) {
	p.Add(summary, sql...)
	p.Changes[len(p.Changes)-1].effect = effect
}

// addCreate is addSchema for a change that only creates an object the
// catalog does not have (see Plan.createsOnly).
func (p *Plan) addCreate(summary string, effect func(*Catalog), sql ...string) {
	p.addSchema(summary, effect, sql...)
	p.Changes[len(p.Changes)-1].creates = true
}

// AddDrift records a difference that will not be healed.
func (p *Plan) AddDrift(object, format string, args ...any) {
	p.Drift = append(p.Drift, Drift{Object: object, Detail: fmt.Sprintf(format, args...)})
}

// Change is one human-sized change: a sentence and the statements that
// make it.
type Change struct {
	Summary    string      `json:"summary"`
	Statements []Statement `json:"-"`
	// DataOnly marks a change that writes rows and leaves the schema as it
	// is, so the runner keeps its catalog snapshot after applying it. Left
	// false, the next step that reads the catalog inspects again: one
	// inspection more, never a wrong answer.
	DataOnly bool `json:"-"`
	// Convergence marks data the application's own activity makes due
	// (a user who signed up, a model an admin configured), which the next
	// apply adds: not a readiness failure. Verify reports a step whose
	// plan has only such changes as pending, with Count, instead of
	// drift. Apply's verify phase does not check again a step whose
	// batches proved what it did (see Batch.Proof), and reports such
	// changes as notes for a step that had nothing to do.
	Convergence bool `json:"-"`
	// Count is how many rows the change adds, when the step knows (0 when
	// it does not): a pending step reports it.
	Count int64 `json:"-"`
	// Batches, when set, applies the change as several transactions, each
	// committed on its own (see Batcher); Statements are then only shown.
	Batches Batcher `json:"-"`

	// effect records in the run's catalog snapshot what a declarative
	// change creates, so the steps after it plan without inspecting again.
	effect func(*Catalog)
	// creates marks a change of the ensure algorithm that only creates an
	// object the catalog did not have (a table, an index, a view): no
	// read the runner prefetched can name it, so none changes (effects.go).
	creates bool
}

// Drift is a difference between what a step wants and what exists.
type Drift struct {
	// Object is kind:name (table:x, index:y, view:z), the shape of the
	// schema steps' ids, or the id of the step that drifted.
	Object string `json:"object"`
	Detail string `json:"detail"`
}

func (d Drift) String() string { return d.Object + ": " + d.Detail }

// Secret wraps an argument that must never be shown: reports, logs and
// plans print it as ***.
type Secret string

// String masks the value, so a Secret formatted by mistake shows nothing.
func (Secret) String() string { return "***" }

// GoString masks the value under %#v too.
func (Secret) GoString() string { return "***" }

func execArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(Secret); ok {
			out[i] = string(s)
			continue
		}
		out[i] = a
	}
	return out
}

func displayArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if _, ok := a.(Secret); ok {
			out[i] = "***"
			continue
		}
		out[i] = a
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
