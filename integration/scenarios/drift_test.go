//go:build integration

package scenarios_test

import (
	"context"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// driftCase is a change groundwork must report and never "fix": fixing it
// would drop data or an object someone else owns.
type driftCase struct {
	object string // the drift's object, as the report names it
	detail string // a word the drift's detail must contain
	do     func(context.Context, core.Driver) error
}

var driftCases = []driftCase{
	{
		// A column retyped by someone: integer → text, rows kept.
		object: "table:client_user_daily_usage", detail: "total_tokens",
		do: func(ctx context.Context, d core.Driver) error {
			if err := execSQL(ctx, d, `INSERT INTO client_user_daily_usage (id, client_org_id, user_id, usage_date, openrouter_user_id, total_tokens, created_at, updated_at)
  VALUES (?, ?, ?, `+typed(d, core.Date)+`, ?, ?, ?, ?)`, "cudu-1", orgID, "alice", "2025-07-28", "or-alice", 42, legacyTS, legacyTS); err != nil {
				return err
			}
			return retypeColumn(ctx, d, "client_user_daily_usage", "total_tokens", "TEXT")
		},
	},
	{
		// The seed's case: a foreign daily-usage table with an integer id,
		// which the original "repaired" by dropping three tables.
		object: "table:client_daily_usage", detail: "id",
		do: func(ctx context.Context, d core.Driver) error {
			if err := dropTable(ctx, d, "client_daily_usage"); err != nil {
				return err
			}
			if err := execSQL(ctx, d, `CREATE TABLE client_daily_usage (id INTEGER PRIMARY KEY, client_org_id VARCHAR(255) NOT NULL, usage_date DATE NOT NULL,
  total_tokens INTEGER DEFAULT 0, total_requests INTEGER DEFAULT 0, raw_cost REAL DEFAULT 0, markup_cost REAL DEFAULT 0, primary_model TEXT,
  unique_users INTEGER DEFAULT 1, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`); err != nil {
				return err
			}
			return execSQL(ctx, d, `INSERT INTO client_daily_usage (id, client_org_id, usage_date, total_tokens, created_at, updated_at) VALUES (?, ?, `+typed(d, core.Date)+`, ?, ?, ?)`,
				7, orgID, "2025-07-28", 1000, legacyTS, legacyTS)
		},
	},
	{
		// A table replaced by someone else's view of the same name.
		object: "table:global_settings", detail: "view",
		do: func(ctx context.Context, d core.Driver) error {
			if err := dropTable(ctx, d, "global_settings"); err != nil {
				return err
			}
			return execSQL(ctx, d, `CREATE VIEW global_settings AS SELECT id, name AS billing_currency FROM client_organizations`)
		},
	},
}

// TestDriftIsReported: a column retyped, a table replaced by one of
// another shape, a table replaced by a view → `groundwork verify` exits 3
// naming each; `groundwork apply` exits 3 too, heals what it can around
// them (indexes) and drops nothing: every object and row is still there.
func TestDriftIsReported(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		ctx := context.Background()
		db := convergedDB(t, tg)
		d := db.Open(t)
		for _, c := range driftCases {
			if err := c.do(ctx, d); err != nil {
				t.Fatalf("%s: %v", c.object, err)
			}
		}
		env := orgEnv(db)
		before := takeSnapshot(t, d)

		r := groundwork(t, env, "verify", "-o", "json")
		mustExit(t, r, 3)
		requireDrift(t, r.report(t))
		if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
			t.Fatalf("verify wrote: %v", problems)
		}
		text := groundwork(t, env, "verify")
		mustExit(t, text, 3)
		for _, c := range driftCases {
			if !strings.Contains(text.Stdout, c.object) {
				t.Errorf("verify's text output does not name %s:\n%s", c.object, text.Stdout)
			}
		}

		for i := range 2 {
			r := groundwork(t, env, "apply", "-o", "json")
			mustExit(t, r, 3)
			rep := r.report(t)
			if rep.Status != core.RunDrift {
				t.Fatalf("apply #%d: status %s, want drift:\n%s", i+1, rep.Status, kit.DumpReport(rep))
			}
			requireDrift(t, rep)
			after := takeSnapshot(t, d)
			for _, p := range keptRows(before, after) {
				t.Error(p)
			}
			for name, def := range before.objects {
				if after.objects[name] != def {
					t.Errorf("apply #%d changed %s: %q → %q", i+1, name, def, after.objects[name])
				}
			}
			if i == 1 && rep.Changed {
				t.Errorf("the second apply changed something again:\n%s", kit.DumpReport(rep))
			}
		}
		t.Logf("measure: drift %s: verify exit 3 and apply exit 3 naming %d objects; 0 objects or rows dropped", tg.Name(), len(driftCases))
	})
}

// requireDrift checks that the report names every drift case.
func requireDrift(t *testing.T, rep *core.Report) {
	t.Helper()
	for _, c := range driftCases {
		found := false
		for _, dr := range rep.Drift() {
			if dr.Object == c.object && strings.Contains(dr.Detail, c.detail) {
				found = true
			}
		}
		if !found {
			t.Errorf("no drift on %s mentioning %q:\n%s", c.object, c.detail, kit.DumpReport(rep))
		}
	}
}
