package postgres

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
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

func viewState(t *testing.T, d *Driver, name string) *core.ViewState {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	return cat.Views[name]
}

func TestViewLifecycle(t *testing.T) {
	d := openTest(t)
	mustExec(t, d, `CREATE TABLE "user" (id text PRIMARY KEY, role text, email text)`)
	for _, name := range []string{"user_available_models", `it's "odd" $$ $gw$ ? \ ü`} {
		t.Run(name, func(t *testing.T) {
			v := core.View{Name: name, Query: func(q core.Quoter) string {
				return "SELECT u.id, u.email\n  FROM " + q.Quote("user") + " u WHERE u.role <> 'pending'"
			}}
			applyStatements(t, d, d.CreateView(v))
			have := viewState(t, d, name)
			if have == nil {
				t.Fatalf("view %q not found", name)
			}
			if !d.ViewMatches(v, have) {
				t.Fatalf("a view just created does not match: %+v", have)
			}
			// Created again (a second runner), it still matches.
			applyStatements(t, d, d.CreateView(v))
			if !d.ViewMatches(v, viewState(t, d, name)) {
				t.Fatalf("a view created twice does not match")
			}

			// Someone replaces it behind groundwork's back; the comment stays.
			mustExec(t, d, "CREATE OR REPLACE VIEW "+d.Quote(name)+` AS SELECT u.id, u.email FROM "user" u WHERE u.role = 'admin'`)
			changed := viewState(t, d, name)
			if changed.Marker != have.Marker {
				t.Fatalf("CREATE OR REPLACE changed the comment; the test premise is wrong")
			}
			if d.ViewMatches(v, changed) {
				t.Fatalf("a view changed behind groundwork's back still matches")
			}
			applyStatements(t, d, d.ReplaceView(v))
			if !d.ViewMatches(v, viewState(t, d, name)) {
				t.Fatalf("the replaced view does not match")
			}

			// The declaration changes, with a different column set: the
			// replacement must drop first.
			v2 := core.View{Name: name, Query: func(q core.Quoter) string {
				return "SELECT u.id FROM " + q.Quote("user") + " u"
			}}
			if d.ViewMatches(v2, viewState(t, d, name)) {
				t.Fatalf("a changed declaration still matches")
			}
			applyStatements(t, d, d.ReplaceView(v2))
			if !d.ViewMatches(v2, viewState(t, d, name)) {
				t.Fatalf("the view replaced with fewer columns does not match")
			}
		})
	}
}

func TestForeignViewReplacedOnce(t *testing.T) {
	d := openTest(t)
	mustExec(t, d, `CREATE TABLE model (id text PRIMARY KEY, active boolean)`)
	mustExec(t, d, `CREATE VIEW active_models AS SELECT id FROM model WHERE active`)
	v := core.View{Name: "active_models", Query: func(core.Quoter) string { return "SELECT id FROM model WHERE active" }}
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
