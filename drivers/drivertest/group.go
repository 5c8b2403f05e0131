package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Where DDL is transactional the runner applies consecutive steps in one
// transaction (core/group.go). These cases hold on every driver: a step
// failing in the middle of what would be one transaction names itself
// and leaves the steps before it committed, and a cold start's BEGINs
// are counted.

// badStep fails in the phase named until fixed is set: in check (a query
// that fails, which aborts a PostgreSQL transaction) or in apply.
type badStep struct {
	phase core.Phase
	fixed bool
}

func (*badStep) Info() core.StepInfo {
	return core.StepInfo{ID: "fails", Description: "fails until fixed", After: []string{schema.TableID(userTable)}}
}

func (b *badStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	p := &core.Plan{}
	if b.fixed {
		return p, nil
	}
	if b.phase == core.PhaseCheck {
		if _, err := s.Count(ctx, "SELECT COUNT(*) FROM gw_no_such_table_at_all"); err != nil {
			return nil, err
		}
	}
	p.Add("run invalid SQL", "SELECT * FROM gw_no_such_table_at_all")
	return p, nil
}

// testFailingStepInGroup: two steps apply, the third fails; on a run
// that shares transactions its failure rolls back the other two, which
// the runner applies again one by one, so the result is the one of a
// run without sharing: both committed, the error the failing step's.
func testFailingStepInGroup(t *testing.T, open coretest.Opener, phase core.Phase) {
	d := open(t)
	tx := coretest.CountTransactions(d)
	bad := &badStep{phase: phase}
	later := schema.Table(child(), schema.After("fails"))
	steps := []core.Step{schema.Table(parent()), schema.Table(users()), bad, later}
	rep, err := runner(t, d, steps).Apply(context.Background())
	var se *core.StepError
	if !errors.As(err, &se) || se.Step != "fails" || se.Phase != phase {
		t.Fatalf("err = %v, want a StepError for step fails in %s\n%s", err, phase, coretest.Dump(rep))
	}
	wantStatus(t, rep, core.RunFailed)
	if len(rep.Steps) != 3 {
		t.Fatalf("report has %d steps, want 3 (the two before the failure, then it)\n%s", len(rep.Steps), coretest.Dump(rep))
	}
	for _, id := range []string{schema.TableID(parentTable), schema.TableID(userTable)} {
		if s := rep.Step(id); s == nil || s.Status != core.StatusApplied || len(s.SQL) == 0 {
			t.Fatalf("step %s not reported applied with its SQL\n%s", id, coretest.Dump(rep))
		}
	}
	if s := rep.Step("fails"); s.Status != core.StatusFailed {
		t.Fatalf("step fails: %s, want failed\n%s", s.Status, coretest.Dump(rep))
	}
	cat := inspect(t, d)
	if cat.Tables[parentTable] == nil || cat.Tables[userTable] == nil {
		t.Fatalf("the steps before the failure were not kept")
	}
	if cat.Tables[childTable] != nil {
		t.Fatalf("a step after the failure ran")
	}
	if transactionalDDL(d) && tx.Begins() < 2 {
		// The shared transaction, then the steps one by one.
		t.Errorf("%d BEGINs, want the rolled-back group and the steps again", tx.Begins())
	}
	bad.fixed = true
	rep = apply(t, d, steps)
	wantStatus(t, rep, core.RunConverged)
	if rep.Step(schema.TableID(userTable)).Status != core.StatusOK || rep.Step(schema.TableID(childTable)).Status != core.StatusApplied {
		t.Fatalf("the next run did not resume where the failed one stopped\n%s", coretest.Dump(rep))
	}
}

// testColdApplyTransactions: a cold apply of the conformance registry
// takes one transaction where DDL is transactional (its data step reads
// through it), none of the runner's own elsewhere (each DDL statement
// commits itself); a warm one takes none.
func testColdApplyTransactions(t *testing.T, open coretest.Opener) {
	d := open(t)
	tx := coretest.CountTransactions(d)
	// A budget no loaded machine reaches: the count is the grouping's,
	// not the clock's.
	rep, err := runner(t, d, registrySteps(), core.WithTransactionBudget(time.Hour)).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	wantStatus(t, rep, core.RunConverged)
	want := int64(0)
	if transactionalDDL(d) {
		want = 1
	}
	if got := tx.Begins(); got != want {
		t.Fatalf("cold apply of %d steps took %d BEGINs, want %d\n%s", len(rep.Steps), got, want, coretest.Dump(rep))
	}
	if count(t, d, parentTable) != 1 {
		t.Fatalf("the data step's row is missing")
	}
	tx.Reset()
	rep = apply(t, d, registrySteps())
	if rep.Changed || tx.Begins() != 0 {
		t.Fatalf("warm apply: changed %t, %d BEGINs, want none", rep.Changed, tx.Begins())
	}
}
