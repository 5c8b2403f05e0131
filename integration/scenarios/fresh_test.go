//go:build integration

package scenarios_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// TestFreshDeployment: an empty database beside Open WebUI's own tables →
// `groundwork apply` converges; a second apply changes nothing; `verify`
// is clean; the organization has every built-in model and every eligible
// user. The library proves the same with kit.RequireConverges.
func TestFreshDeployment(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		db := hostDB(t, tg)
		env := orgEnv(db)
		d := db.Open(t)
		before := takeSnapshot(t, d)

		// verify before anything ran: pending work, exit 3, nothing written.
		r := groundwork(t, env, "verify", "-o", "json")
		mustExit(t, r, 3)
		if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
			t.Fatalf("verify wrote to the database: %v", problems)
		}

		first, r1 := applyJSON(t, env)
		if !first.Changed {
			t.Fatalf("first apply changed nothing:\n%s", kit.DumpReport(first))
		}
		second, r2 := applyJSON(t, env)
		if second.Changed || second.Statements != 0 {
			t.Fatalf("second apply changed something:\n%s", kit.DumpReport(second))
		}
		r = groundwork(t, env, "verify", "-o", "json")
		mustExit(t, r, 0)
		if rep := r.report(t); rep.Status != core.RunConverged || len(rep.Drift()) > 0 {
			t.Fatalf("verify after apply:\n%s", kit.DumpReport(rep))
		}

		after := takeSnapshot(t, d)
		for _, obj := range declared(t) {
			if _, ok := after.objects[obj]; !ok {
				t.Errorf("%s missing after apply", obj)
			}
		}
		links, members := noDuplicates(t, d)
		models := count(t, d, "SELECT COUNT(*) FROM model WHERE user_id = ? AND base_model_id = id", "system")
		pairs := viewPairs(t, d)
		if links != len(orgaccess.BuiltinModels) || members != eligibleUsers || models != len(orgaccess.BuiltinModels) || pairs != eligibleUsers*len(orgaccess.BuiltinModels) {
			t.Errorf("links %d, members %d, models %d, view pairs %d; want %d, %d, %d, %d", links, members, models, pairs,
				len(orgaccess.BuiltinModels), eligibleUsers, len(orgaccess.BuiltinModels), eligibleUsers*len(orgaccess.BuiltinModels))
		}
		runs := after.tables[history.TableName]
		// The no-op apply wrote nothing, not even its history row.
		if runs == nil || len(runs.keys) != 1 {
			t.Errorf("groundwork_runs holds %v, want the first apply's run alone", runs)
		}
		t.Logf("measure: fresh %s: apply %s (%d statements, %d queries), no-op apply %s (%d queries), verify %s; %d links, %d members, %d view pairs",
			tg.Name(), r1.Took.Round(1e6), first.Statements, first.Queries, r2.Took.Round(1e6), second.Queries, r.Took.Round(1e6), links, members, pairs)

		// The library, on another copy: one call proves the registry converges.
		c := kit.RequireConverges(t, hostDB(t, tg).Open(t), packRegistry(t))
		t.Logf("measure: fresh %s via kit.RequireConverges: apply %.0f ms, no-op apply %.0f ms (%d queries), verify %.0f ms (%d queries)",
			tg.Name(), c.First.DurationMS, c.Second.DurationMS, c.Second.Queries, c.Verify.DurationMS, c.Verify.Queries)
	})
}
