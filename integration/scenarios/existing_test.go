//go:build integration

package scenarios_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// TestExistingDeployment: a database as the original Python initializer
// left it (timestamped ids, the old view, rows in every table, a third of
// the indexes, one of them on the wrong columns) → one `groundwork apply`
// upgrades it. Every pre-existing row is still there, byte for byte,
// except the two values legacyAllowed names; rows, indexes and the view's
// new definition are added.
func TestExistingDeployment(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		db := legacyDB(t, tg)
		d := db.Open(t)
		env := orgEnv(db)
		before := takeSnapshot(t, d)

		rep, r := applyJSON(t, env)
		after := takeSnapshot(t, d)
		for _, p := range keptRows(before, after, legacyAllowed...) {
			t.Error(p)
		}
		tables := []string{"user", "model", "config", orgaccess.OrgTable, orgaccess.OrgModelsTable, orgaccess.MembersTable,
			"global_settings", "user_client_mapping", "client_daily_usage", "client_user_daily_usage", "client_model_daily_usage",
			"processed_generations", "processed_generation_cleanup_log"}
		t.Logf("before: %s", before.checksums(tables...))
		t.Logf("after:  %s", after.checksums(tables...))
		for _, table := range tables {
			if before.tables[table] == nil || len(before.tables[table].keys) == 0 {
				t.Errorf("the legacy fixture has no rows in %s", table)
			}
		}
		// Tables the packs only read or leave alone: identical checksums.
		for _, table := range []string{"user", "config", "global_settings", "user_client_mapping", "client_daily_usage",
			"client_user_daily_usage", "client_model_daily_usage", "processed_generations", "processed_generation_cleanup_log"} {
			if b, a := before.tables[table].checksum(), after.tables[table].checksum(); a != b {
				t.Errorf("checksum of %s changed: %s → %s", table, b, a)
			}
		}

		// What the upgrade did, step by step.
		for id, want := range map[string]string{
			"view:" + orgaccess.ViewName:        core.StatusApplied, // the old definition replaced
			"index:idx_org_members_user_active": core.StatusApplied, // rebuilt on (user_id, is_active)
			"index:idx_org_models_org_model":    core.StatusApplied, // missing: created
			"index:idx_api_key":                 core.StatusOK,      // there already
			orgaccess.OrgStepID:                 core.StatusApplied, // renamed
			orgaccess.RegisterStepID:            core.StatusApplied, // claude and llama registered
			orgaccess.LinkStepID:                core.StatusApplied,
			orgaccess.MembersStepID:             core.StatusApplied,
		} {
			if sr := rep.Step(id); sr == nil || sr.Status != want {
				t.Errorf("step %s: %v, want %s", id, sr, want)
			}
		}
		for _, obj := range declared(t) {
			if _, ok := after.objects[obj]; !ok {
				t.Errorf("%s missing after the upgrade", obj)
			}
		}
		if got := after.objects["index idx_org_members_user_active"]; got != "on organization_members (user_id, is_active) unique=false constraint=false" {
			t.Errorf("idx_org_members_user_active is %s", got)
		}
		links, members := noDuplicates(t, d)
		models := count(t, d, "SELECT COUNT(*) FROM model")
		pairs := viewPairs(t, d)
		if links != legacyLinksAfter || members != eligibleUsers || models != legacyModelsAfter || pairs != legacyPairsAfter {
			t.Errorf("links %d, members %d, models %d, view pairs %d; want %d, %d, %d, %d",
				links, members, models, pairs, legacyLinksAfter, eligibleUsers, legacyModelsAfter, legacyPairsAfter)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM organization_models WHERE id = ? AND is_active = 0", legacyInactiveLink); n != 1 {
			t.Errorf("the link an admin deactivated was reactivated or lost")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM organization_models WHERE model_id = ?", "mistralai/mistral-large"); n != 0 {
			t.Errorf("a model of a disabled connection was linked")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM client_organizations WHERE id = ? AND name = ?", orgID, orgName); n != 1 {
			t.Errorf("the organization was not renamed to %q", orgName)
		}

		second, _ := applyJSON(t, env)
		if second.Changed || second.Statements != 0 {
			t.Fatalf("the run after the upgrade changed something:\n%s", kit.DumpReport(second))
		}
		mustExit(t, groundwork(t, env, "verify"), 0)
		t.Logf("measure: existing %s: upgrade %s, %d statements, %d pre-existing rows kept (%d values allowed to change), %d rows added",
			tg.Name(), r.Took.Round(1e6), rep.Statements, rowCount(before), 2, rowCount(after)-rowCount(before))
	})
}

func rowCount(s *snapshot) int {
	n := 0
	for _, tr := range s.tables {
		n += len(tr.keys)
	}
	return n
}
