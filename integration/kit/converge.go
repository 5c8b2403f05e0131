package kit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// convergeTimeout bounds the three runs of RequireConverges.
const convergeTimeout = 5 * time.Minute

// Convergence is the proof that a registry converges on a database: the
// reports of its three runs.
type Convergence struct {
	// First applied the registry to the database as it was.
	First *core.Report
	// Second applied it again: it found nothing to do.
	Second *core.Report
	// Verify checked every step read-only: no drift, nothing pending.
	Verify *core.Report
}

// Converges proves that reg converges on the driver's database: apply
// succeeds with status converged; a second apply changes nothing (no step
// applied, no statement executed); verify finds every step ok or skipped,
// with no drift. opts configure the three runners alike (selection,
// environment, lock name, …).
//
// It returns the reports it got, also on failure, and an error saying which
// expectation failed; the error wraps core.ErrNotConverged, or the run's own
// error.
func Converges(ctx context.Context, d core.Driver, reg *core.Registry, opts ...core.Option) (*Convergence, error) {
	runner := core.NewRunner(d, reg, opts...)
	c := &Convergence{}
	var err error
	if c.First, err = runner.Apply(ctx); err != nil {
		return c, fmt.Errorf("integration/kit: first apply: %w", err)
	}
	if c.First.Status != core.RunConverged {
		return c, fmt.Errorf("integration/kit: first apply ended %s: %w", c.First.Status, core.ErrNotConverged)
	}
	if c.Second, err = runner.Apply(ctx); err != nil {
		return c, fmt.Errorf("integration/kit: second apply: %w", err)
	}
	if busy := busySteps(c.Second); c.Second.Changed || c.Second.Statements > 0 || len(busy) > 0 || c.Second.Status != core.RunConverged {
		return c, fmt.Errorf("integration/kit: second apply was not a no-op (status %s, changed %t, %d statements, steps %s): %w",
			c.Second.Status, c.Second.Changed, c.Second.Statements, strings.Join(busy, ", "), core.ErrNotConverged)
	}
	if c.Verify, err = runner.Verify(ctx); err != nil {
		return c, fmt.Errorf("integration/kit: verify: %w", err)
	}
	if busy := busySteps(c.Verify); c.Verify.Status != core.RunConverged || len(busy) > 0 || len(c.Verify.Drift()) > 0 {
		return c, fmt.Errorf("integration/kit: verify found work (status %s, steps %s): %w",
			c.Verify.Status, strings.Join(busy, ", "), core.ErrNotConverged)
	}
	return c, nil
}

// busySteps names the steps of a report that are neither ok nor skipped.
func busySteps(rep *core.Report) []string {
	var out []string
	for _, s := range rep.Steps {
		if s.Status != core.StatusOK && s.Status != core.StatusSkipped {
			out = append(out, s.ID+" "+s.Status)
		}
	}
	return out
}

// RequireConverges is Converges for tests: it fails the test, with the
// reports, when the registry does not converge.
func RequireConverges(t testing.TB, d core.Driver, reg *core.Registry, opts ...core.Option) *Convergence {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), convergeTimeout)
	defer cancel()
	c, err := Converges(ctx, d, reg, opts...)
	if err != nil {
		var b strings.Builder
		for _, r := range []struct {
			name string
			rep  *core.Report
		}{{"first apply", c.First}, {"second apply", c.Second}, {"verify", c.Verify}} {
			if r.rep != nil {
				fmt.Fprintf(&b, "\n%s:\n%s", r.name, DumpReport(r.rep))
			}
		}
		t.Fatalf("%v%s", err, b.String())
	}
	return c
}

// DumpReport renders a report for a test failure message: the run, then
// one line per step with its changes, drift, notes and error.
func DumpReport(rep *core.Report) string {
	if rep == nil {
		return "(no report)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mode=%s status=%s changed=%t statements=%d queries=%d error=%s\n",
		rep.Mode, rep.Status, rep.Changed, rep.Statements, rep.Queries, rep.Error)
	for _, s := range rep.Steps {
		fmt.Fprintf(&b, "  %-40s %-8s", s.ID, s.Status)
		if len(s.Changes) > 0 {
			fmt.Fprintf(&b, " changes=%q", s.Changes)
		}
		if len(s.Drift) > 0 {
			fmt.Fprintf(&b, " drift=%v", s.Drift)
		}
		if len(s.Notes) > 0 {
			fmt.Fprintf(&b, " notes=%q", s.Notes)
		}
		if s.Reason != "" {
			fmt.Fprintf(&b, " reason=%q", s.Reason)
		}
		if s.Error != "" {
			fmt.Fprintf(&b, " error=%q", s.Error)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
