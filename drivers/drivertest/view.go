package drivertest

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// oddViewName is a view name with what each dialect's quoting must
// survive: quotes of every kind, PostgreSQL's dollar quotes, a
// placeholder, a backslash and a letter beyond ASCII.
const oddViewName = "it's \"odd\" $$ $gw$ ` ? \\ ü"

// testViewLifecycle: a view the driver creates matches its declaration;
// one changed behind groundwork's back does not, even where its marker
// (PostgreSQL's comment, MySQL's fingerprint row) is left as it was; the
// driver's replacement matches again; a declaration with other columns
// does not match the old view, and its replacement matches it alone.
func testViewLifecycle(t *testing.T, open coretest.Opener) {
	d := open(t)
	apply(t, d, []core.Step{schema.Table(model.Table{Name: "user", Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true}, {Name: "role", Type: model.Text}, {Name: "email", Type: model.Text},
	}, PrimaryKey: []string{"id"}})})
	run := func(stmts []string) {
		t.Helper()
		for _, s := range stmts {
			// As the runner does: through core.Rebind, no arguments.
			exec(t, d, core.Rebind(d, s))
		}
	}
	state := func(name string) *model.ViewState {
		t.Helper()
		v := inspect(t, d).Views[name]
		if v == nil {
			t.Fatalf("view %q not found", name)
		}
		return v
	}
	for _, name := range []string{"user_available_models", oddViewName} {
		t.Run(name, func(t *testing.T) {
			v := model.View{Name: name, Query: func(q model.Quoter) string {
				return "SELECT u.id, u.email\n  FROM " + q.Quote("user") + " u WHERE u.role <> 'pending'"
			}}
			run(d.CreateView(v))
			have := state(name)
			if !d.ViewMatches(v, have) {
				t.Fatalf("a view just created does not match: %+v", have)
			}

			// Someone replaces it behind groundwork's back: in place where
			// the dialect can (the marker stays), else dropped and made anew
			// (SQLite has no CREATE OR REPLACE VIEW: the statement fails and
			// changes nothing).
			other := " AS SELECT u.id, u.email FROM " + d.Quote("user") + " u WHERE u.role = 'admin'"
			_, err := d.DB().ExecContext(context.Background(), "CREATE OR REPLACE VIEW "+d.Quote(name)+other)
			inPlace := err == nil
			if !inPlace {
				exec(t, d, "DROP VIEW "+d.Quote(name))
				exec(t, d, "CREATE VIEW "+d.Quote(name)+other)
			}
			changed := state(name)
			if inPlace && changed.Marker != have.Marker {
				t.Fatalf("CREATE OR REPLACE changed the marker; the test premise is wrong")
			}
			if d.ViewMatches(v, changed) {
				t.Fatalf("a view changed behind groundwork's back still matches: %+v", changed)
			}
			run(d.ReplaceView(v))
			if !d.ViewMatches(v, state(name)) {
				t.Fatalf("the replaced view does not match")
			}

			// The declaration changes, with a different column set: the
			// replacement must drop first where the dialect needs it.
			v2 := model.View{Name: name, Query: func(q model.Quoter) string {
				return "SELECT u.id FROM " + q.Quote("user") + " u"
			}}
			if d.ViewMatches(v2, state(name)) {
				t.Fatalf("a changed declaration still matches")
			}
			run(d.ReplaceView(v2))
			if !d.ViewMatches(v2, state(name)) {
				t.Fatalf("the view replaced with fewer columns does not match")
			}
			if d.ViewMatches(v, state(name)) {
				t.Fatalf("the old declaration matches the new view")
			}
		})
	}
}
