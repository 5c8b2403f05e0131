//go:build integration

package scenarios_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// breakage is one thing done to a converged database behind groundwork's
// back.
type breakage struct {
	name string
	do   func(context.Context, core.Driver) error
}

// breakages are every declared table, index and view dropped, and the
// organization's links and memberships deleted.
func breakages(t testing.TB) []breakage {
	var out []breakage
	for _, obj := range declared(t) {
		kind, name, _ := strings.Cut(obj, " ")
		b := breakage{name: "drop " + obj}
		switch kind {
		case "table":
			b.do = func(ctx context.Context, d core.Driver) error { return dropTable(ctx, d, name) }
		case "index":
			b.do = func(ctx context.Context, d core.Driver) error { return dropIndex(ctx, d, name) }
		case "view":
			b.do = func(ctx context.Context, d core.Driver) error { return dropView(ctx, d, name) }
		}
		out = append(out, b)
	}
	for _, table := range []string{orgaccess.OrgModelsTable, orgaccess.MembersTable} {
		out = append(out, breakage{name: "delete the rows of " + table, do: func(ctx context.Context, d core.Driver) error {
			return execSQL(ctx, d, "DELETE FROM "+d.Quote(table))
		}})
	}
	out = append(out, breakage{name: "delete one link and one membership", do: func(ctx context.Context, d core.Driver) error {
		if err := execSQL(ctx, d, "DELETE FROM "+d.Quote(orgaccess.OrgModelsTable)+" WHERE model_id = ?", orgaccess.BuiltinModels[3]); err != nil {
			return err
		}
		return execSQL(ctx, d, "DELETE FROM "+d.Quote(orgaccess.MembersTable)+" WHERE user_id = ?", "bob")
	}})
	return out
}

// TestSelfHealing: on a converged database, each declared table, index
// and view is dropped in turn, and the links and memberships deleted;
// after each, one run restores everything and verify is clean. Then
// everything is broken at once and one `groundwork apply` restores all.
func TestSelfHealing(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		ctx := context.Background()
		d := convergedDB(t, tg).Open(t)
		reg := packRegistry(t)
		want := takeSnapshot(t, d)
		notes := map[string]bool{}
		healed := 0
		for _, b := range breakages(t) {
			if err := b.do(ctx, d); err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
			rep, err := core.NewRunner(d, reg).Apply(ctx)
			if err != nil || rep.Status != core.RunConverged || !rep.Changed {
				t.Fatalf("after %s, apply: %v\n%s", b.name, err, kit.DumpReport(rep))
			}
			ver, err := core.NewRunner(d, reg).Verify(ctx)
			if err != nil || ver.Status != core.RunConverged || len(ver.Drift()) > 0 {
				t.Fatalf("after %s, verify: %v\n%s", b.name, err, kit.DumpReport(ver))
			}
			for _, s := range rep.Steps {
				for _, n := range s.Notes {
					notes[n] = true
				}
			}
			requireRestored(t, d, want, b.name)
			healed++
		}
		if len(notes) > 0 {
			// Foreign keys that PostgreSQL's DROP … CASCADE removed from
			// other tables are not added back to an existing table.
			t.Logf("notes left after healing on %s: %v", tg.Name(), slices.Sorted(maps.Keys(notes)))
		}

		// Everything at once, through the CLI.
		db := convergedDB(t, tg)
		d2 := db.Open(t)
		// Its own "want": MySQL's view definitions name their database.
		want2 := takeSnapshot(t, d2)
		var all []string
		for _, b := range breakages(t) {
			if strings.HasPrefix(b.name, "drop view") || strings.HasPrefix(b.name, "drop table") {
				all = append(all, b.name)
				if err := b.do(ctx, d2); err != nil {
					t.Fatalf("%s: %v", b.name, err)
				}
			}
		}
		env := orgEnv(db)
		rep, r := applyJSON(t, env)
		if !rep.Changed {
			t.Fatalf("nothing restored:\n%s", kit.DumpReport(rep))
		}
		mustExit(t, groundwork(t, env, "verify"), 0)
		requireRestored(t, d2, want2, "everything dropped")
		t.Logf("measure: self-healing %s: %d breakages healed one by one (1 run each, verify clean); %d objects dropped at once restored by 1 apply in %s (%d statements)",
			tg.Name(), healed, len(all), r.Took.Round(1e6), rep.Statements)
	})
}

// requireRestored checks that every object of want is back with the same
// definition, and that the organization again has all its links and
// members (their timestamps are new, so rows are counted, not compared).
func requireRestored(t *testing.T, d core.Driver, want *snapshot, after string) {
	t.Helper()
	got := takeSnapshot(t, d)
	for name, def := range want.objects {
		if got.objects[name] != def {
			t.Fatalf("after %s and one run, %s is %q, want %q", after, name, got.objects[name], def)
		}
	}
	links, members := noDuplicates(t, d)
	if links != len(orgaccess.BuiltinModels) || members != eligibleUsers || viewPairs(t, d) != eligibleUsers*len(orgaccess.BuiltinModels) {
		t.Fatalf("after %s and one run: %d links, %d members, %d view pairs", after, links, members, viewPairs(t, d))
	}
}
