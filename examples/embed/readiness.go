package main

import (
	"context"
	"sync"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// readiness answers "does the database still hold everything?" from
// groundwork's verify, remembering the answer for ttl.
//
// Why cache: an orchestrator probes every few seconds, on every replica,
// and a proxy or a load balancer may probe too. One verify is cheap (the
// catalog in a fixed number of queries plus each step's own proof, such
// as counting the rows of a view), but N replicas × M probers × every
// period is load that grows with the deployment and buys nothing: the
// schema does not drift every second. With the cache each replica costs
// the database at most one verify per ttl, whatever the probe rate, and
// probes arriving together share the one verify in flight instead of
// queuing their own. The price is that drift shows up to ttl late, which
// a readiness probe (whose period is of the same order) cannot tell apart.
type readiness struct {
	verify func(context.Context) (*core.Report, error)
	ttl    time.Duration
	now    func() time.Time // time.Now; tests move the clock

	mu     sync.Mutex // held during a verify: concurrent probes wait for it
	result *verdict
}

// verdict is one verify's outcome, as /readyz shows it.
type verdict struct {
	Status    string       `json:"status"`
	CheckedAt time.Time    `json:"checked_at"`
	Drift     []core.Drift `json:"drift,omitempty"`
	// Failed lists the steps whose check failed (for example a lost
	// connection), with the error.
	Failed []failedStep `json:"failed,omitempty"`
	Error  string       `json:"error,omitempty"`
}

type failedStep struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// ready reports whether the verdict lets traffic in: converged, or
// pending (data the next apply adds, such as a user who just signed up).
func (v *verdict) ready() bool { return v.Status == core.RunConverged || v.Status == core.RunPending }

func newReadiness(verify func(context.Context) (*core.Report, error), ttl time.Duration) *readiness {
	return &readiness{verify: verify, ttl: ttl, now: time.Now}
}

// check returns the cached verdict while it is fresher than ttl, else
// runs verify once.
func (r *readiness) check(ctx context.Context) *verdict {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.result != nil && r.now().Sub(r.result.CheckedAt) < r.ttl {
		return r.result
	}
	rep, err := r.verify(ctx)
	v := &verdict{Status: core.RunFailed, CheckedAt: r.now()}
	if rep != nil {
		v.Status, v.Drift = rep.Status, rep.Drift()
		for _, st := range rep.Steps {
			if st.Status == core.StatusFailed {
				v.Failed = append(v.Failed, failedStep{ID: st.ID, Error: st.Error})
			}
		}
	}
	if err != nil {
		v.Status, v.Error = core.RunFailed, err.Error()
	}
	if ctx.Err() != nil {
		// The probe gave up (its own timeout): do not remember a verdict
		// that says more about the prober than about the database.
		return v
	}
	r.result = v
	return v
}
