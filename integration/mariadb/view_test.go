//go:build integration

package mariadb_test

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func applyAll(t *testing.T, d core.Driver, stmts []string) {
	t.Helper()
	for _, s := range stmts {
		// As the runner does for a driver without transactional DDL: one
		// statement at a time, no arguments.
		mustExec(t, d, s)
	}
}

func viewState(t *testing.T, d core.Driver, name string) *core.ViewState {
	t.Helper()
	v := inspect(t, d).Views[name]
	if v == nil {
		t.Fatalf("view %q not found", name)
	}
	return v
}

// TestViewCreatedTwice: a second runner creating the same view succeeds
// and the view still matches; names differing only in case are two views
// with two fingerprints. The rest of a view's life is the conformance
// suite's ViewLifecycle.
func TestViewCreatedTwice(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	mustExec(t, d, "CREATE TABLE `user` (id VARCHAR(64) PRIMARY KEY, role TEXT, email TEXT)")
	v := core.View{Name: "user_available_models", Query: func(q core.Quoter) string {
		return "SELECT u.id, u.email FROM " + q.Quote("user") + " u WHERE u.role <> 'pending'"
	}}
	applyAll(t, d, d.CreateView(v))
	applyAll(t, d, d.CreateView(v))
	if !d.ViewMatches(v, viewState(t, d, v.Name)) {
		t.Fatalf("a view created twice does not match")
	}

	// Names differing only in case are two views with two fingerprints.
	upper := core.View{Name: "Case", Query: func(core.Quoter) string { return "SELECT id FROM `user`" }}
	lower := core.View{Name: "case", Query: func(core.Quoter) string { return "SELECT email FROM `user`" }}
	applyAll(t, d, d.CreateView(upper))
	applyAll(t, d, d.CreateView(lower))
	if !d.ViewMatches(upper, viewState(t, d, "Case")) || !d.ViewMatches(lower, viewState(t, d, "case")) {
		t.Fatalf("views named Case and case share a fingerprint: %+v %+v", viewState(t, d, "Case"), viewState(t, d, "case"))
	}
}

// TestViewConverges runs a view step through the runner: a view someone
// else made is replaced once; a run killed between the view and its
// fingerprint is completed by the next run; the run after that does
// nothing.
func TestViewConverges(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	mustExec(t, d, "CREATE TABLE model (id VARCHAR(64) PRIMARY KEY, active BOOLEAN)")
	mustExec(t, d, "CREATE VIEW active_models AS SELECT id FROM model WHERE active")
	v := core.View{Name: "active_models", Query: func(core.Quoter) string { return "SELECT id FROM model WHERE active" }}
	steps := []core.Step{schema.View(v)}
	run := func() *core.Report {
		t.Helper()
		reg, err := core.NewRegistry(steps...)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := core.NewRunner(d, reg).Apply(context.Background())
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		return rep
	}
	if rep := run(); !rep.Changed || rep.Steps[0].Status != core.StatusApplied {
		t.Fatalf("a view without a fingerprint was not replaced: %+v", rep.Steps[0])
	}
	if rep := run(); rep.Changed || rep.Statements != 0 {
		t.Fatalf("after one replacement the view still differs: %+v", rep.Steps[0])
	}

	// A run killed after CREATE OR REPLACE VIEW, before the fingerprint.
	v2 := core.View{Name: "active_models", Query: func(core.Quoter) string { return "SELECT id, active FROM model" }}
	stmts := d.CreateView(v2)
	applyAll(t, d, stmts[:2])
	steps = []core.Step{schema.View(v2)}
	if rep := run(); !rep.Changed {
		t.Fatalf("the next run did not record the view: %+v", rep.Steps[0])
	}
	if rep := run(); rep.Changed || rep.Statements != 0 {
		t.Fatalf("the view loops: %+v", rep.Steps[0])
	}

	// The fingerprint table dropped: every view is replaced once.
	mustExec(t, d, "DROP TABLE "+mysql.ViewsTable)
	if rep := run(); !rep.Changed {
		t.Fatalf("a view without fingerprint table was not replaced: %+v", rep.Steps[0])
	}
	if rep := run(); rep.Changed {
		t.Fatalf("the view loops after the fingerprint table came back: %+v", rep.Steps[0])
	}
}
