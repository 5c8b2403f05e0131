package core

import "time"

// Step statuses.
const (
	StatusOK      = "ok"      // nothing to do, verified
	StatusApplied = "applied" // changes made, verified
	StatusPending = "pending" // plan: changes apply would make; verify: data the next apply adds (ready)
	StatusSkipped = "skipped" // not run this time, with a reason
	StatusDrift   = "drift"   // differs in a way groundwork will not heal
	StatusFailed  = "failed"  // an error; the run stopped here
)

// Overall statuses.
const (
	RunConverged = "converged"
	RunPending   = "pending"
	RunDrift     = "drift"
	RunFailed    = "failed"
)

// Modes of a run.
const (
	ModeApply  = "apply"
	ModePlan   = "plan"
	ModeVerify = "verify"
)

// ReportFormatVersion is the version of the report's JSON shape
// (docs/report.md). It changes only when a field is renamed or removed,
// or a field's meaning changes; a new field keeps it.
const ReportFormatVersion = 1

// Report is the result of one run. It marshals to JSON with stable
// lower-case field names and never holds a secret. Every field is
// documented in docs/report.md (a test keeps the two in step).
type Report struct {
	Mode       string       `json:"mode"`
	Dialect    string       `json:"dialect"`
	Status     string       `json:"status"`
	Changed    bool         `json:"changed"`
	StartedAt  time.Time    `json:"started_at"`
	DurationMS float64      `json:"duration_ms"`
	LockWaitMS float64      `json:"lock_wait_ms"`
	Queries    int64        `json:"queries"`
	Statements int          `json:"statements"`
	Steps      []StepReport `json:"steps"`
	Error      string       `json:"error,omitempty"`

	// FormatVersion is ReportFormatVersion, set when the run finishes.
	FormatVersion int `json:"format_version"`
	// Warnings are what the caller should know though nothing failed:
	// settings left unset that made steps skip, say.
	Warnings []string `json:"warnings,omitempty"`
}

// StepReport is what happened to one step.
type StepReport struct {
	ID      string   `json:"id"`
	Status  string   `json:"status"`
	Changes []string `json:"changes,omitempty"`
	SQL     []string `json:"sql,omitempty"`
	Drift   []Drift  `json:"drift,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	// NotReady: the step skipped because something it needs is not there
	// yet (Plan.NotReady), not because it was not configured.
	NotReady bool `json:"not_ready,omitempty"`
	// Notice: the skip is worth telling even on a quiet run (Plan.Notice).
	Notice bool `json:"notice,omitempty"`
	// Pending is how many rows the next apply adds, when a verify found
	// the step pending and the step counted them.
	Pending int64 `json:"pending,omitempty"`
	// Transactional is false when the step's statements committed one by
	// one (MySQL DDL); a crash between them is completed by the next run.
	Transactional *bool `json:"transactional,omitempty"`
	RowsAffected  int64 `json:"rows_affected,omitempty"`
	// Batches is how many transactions a batched change committed (see
	// Batcher); 0 when the step applied in one.
	Batches    int     `json:"batches,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
}

// Step returns the report of the step with id, or nil.
func (r *Report) Step(id string) *StepReport {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return &r.Steps[i]
		}
	}
	return nil
}

// Drift returns every drift of every step.
func (r *Report) Drift() []Drift {
	var out []Drift
	for _, s := range r.Steps {
		out = append(out, s.Drift...)
	}
	return out
}

func (r *Report) finish(start time.Time) {
	r.FormatVersion = ReportFormatVersion
	r.DurationMS = ms(time.Since(start))
	r.Status = RunConverged
	for _, s := range r.Steps {
		switch s.Status {
		case StatusFailed:
			r.Status = RunFailed
		case StatusDrift:
			if r.Status != RunFailed {
				r.Status = RunDrift
			}
		case StatusPending:
			if r.Status == RunConverged {
				r.Status = RunPending
			}
		}
		if s.Status == StatusApplied || (s.Status == StatusDrift && len(s.Changes) > 0 && r.Mode == ModeApply) {
			r.Changed = true
		}
	}
	if r.Error != "" {
		r.Status = RunFailed
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
