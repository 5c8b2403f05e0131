package postgres

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/model"
)

func applyStatements(t *testing.T, d *Driver, stmts []string) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, s := range stmts {
		// As the runner does: through core.Rebind, no arguments.
		if _, err := tx.Tx.ExecContext(ctx, core.Rebind(d, s)); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func viewState(t *testing.T, d *Driver, name string) *model.ViewState {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	return cat.Views[name]
}

// TestViewCreatedTwice: a second runner creating the same view (both saw
// it missing) succeeds, and the view still matches. The rest of a view's
// life is the conformance suite's ViewLifecycle.
func TestViewCreatedTwice(t *testing.T) {
	d := openTest(t)
	mustExec(t, d, `CREATE TABLE "user" (id text PRIMARY KEY, role text, email text)`)
	v := model.View{Name: "user_available_models", Query: func(q model.Quoter) string {
		return "SELECT u.id, u.email FROM " + q.Quote("user") + " u WHERE u.role <> 'pending'"
	}}
	applyStatements(t, d, d.CreateView(v))
	applyStatements(t, d, d.CreateView(v))
	if !d.ViewMatches(v, viewState(t, d, v.Name)) {
		t.Fatalf("a view created twice does not match")
	}
}

func TestForeignViewReplacedOnce(t *testing.T) {
	d := openTest(t)
	mustExec(t, d, `CREATE TABLE model (id text PRIMARY KEY, active boolean)`)
	mustExec(t, d, `CREATE VIEW active_models AS SELECT id FROM model WHERE active`)
	v := model.View{Name: "active_models", Query: func(model.Quoter) string { return "SELECT id FROM model WHERE active" }}
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	p := core.PlanView(d, cat, v)
	if len(p.Changes) != 1 {
		t.Fatalf("a view without the marker: %d changes, want 1 (replace)", len(p.Changes))
	}
	applyStatements(t, d, d.ReplaceView(v))
	cat, err = d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	if p := core.PlanView(d, cat, v); len(p.Changes) != 0 {
		t.Fatalf("after one replacement the view still differs: %+v", p.Changes)
	}
}
