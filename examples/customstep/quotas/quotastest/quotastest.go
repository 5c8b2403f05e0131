// Package quotastest proves that the quotas pack, registered beside the
// built-in organization-access pack, converges on a dialect: apply, apply
// again (nothing to do), verify; heal a dropped index; keep a limit an
// administrator changed. SQLite runs it in `go test ./...`
// (examples/customstep), PostgreSQL and MariaDB in integration/examples.
package quotastest

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/examples/customstep/quotas"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// Org is the organization the tests configure.
var Org = orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: "sk-or-v1-quotastest-not-a-key", Environment: orgaccess.Development}

// Registry is the two packs in one registry, plus the opt-in host tables
// so every built-in step can run on an empty database.
func Registry(t *testing.T, org orgaccess.Config, q quotas.Config) *core.Registry {
	t.Helper()
	steps := append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(org)...)
	reg, err := core.NewRegistry(append(steps, quotas.Steps(q)...)...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return reg
}

func runner(d core.Driver, reg *core.Registry) *core.Runner {
	return core.NewRunner(d, reg, core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}}))
}

func apply(t *testing.T, d core.Driver, reg *core.Registry) *core.Report {
	t.Helper()
	rep, err := runner(d, reg).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	return rep
}

func verify(t *testing.T, d core.Driver, reg *core.Registry) *core.Report {
	t.Helper()
	rep, err := runner(d, reg).Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
	return rep
}

// Run runs every test on fresh databases of h.
func Run(t *testing.T, h coretest.Harness) {
	t.Run("converges", func(t *testing.T) { testConverges(t, h.NewDatabase(t)(t)) })
	t.Run("heals a dropped index", func(t *testing.T) { testHeals(t, h.NewDatabase(t)(t)) })
	t.Run("keeps a changed limit", func(t *testing.T) { testKeepsLimit(t, h.NewDatabase(t)(t)) })
	t.Run("skips the seed without an organization", func(t *testing.T) { testNoOrg(t, h.NewDatabase(t)(t)) })
}

func limitOf(t *testing.T, d core.Driver, org string) (int64, int) {
	t.Helper()
	var limit int64
	var n int
	rows, err := d.DB().DB.QueryContext(context.Background(),
		core.Rebind(d, "SELECT monthly_token_limit FROM "+d.Quote(quotas.TableName)+" WHERE organization_id = ?"), org)
	if err != nil {
		t.Fatalf("read quota: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&limit); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return limit, n
}

func testConverges(t *testing.T, d core.Driver) {
	reg := Registry(t, Org, quotas.Config{OrgID: Org.OrgID, MonthlyTokens: 250_000})
	rep := apply(t, d, reg)
	if rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("first apply: status %s, changed %t\n%s", rep.Status, rep.Changed, coretest.Dump(rep))
	}
	for _, id := range []string{"table:" + quotas.TableName, "index:" + quotas.IndexName, quotas.SeedStepID} {
		if st := rep.Step(id); st == nil || st.Status != core.StatusApplied {
			t.Fatalf("first apply: step %s not applied\n%s", id, coretest.Dump(rep))
		}
	}
	// The built-in pack ran first and fully: the quota refers to its row.
	if st := rep.Step(orgaccess.LinkStepID); st == nil || st.Status != core.StatusApplied {
		t.Fatalf("first apply: the built-in pack did not link models\n%s", coretest.Dump(rep))
	}
	if limit, n := limitOf(t, d, Org.OrgID); n != 1 || limit != 250_000 {
		t.Fatalf("quota rows for %s: %d, limit %d; want one row of 250000", Org.OrgID, n, limit)
	}

	rep = apply(t, d, reg)
	if rep.Status != core.RunConverged || rep.Changed || rep.Statements != 0 {
		t.Fatalf("second apply: status %s, changed %t, %d statements; want converged, unchanged, 0\n%s",
			rep.Status, rep.Changed, rep.Statements, coretest.Dump(rep))
	}
	rep = verify(t, d, reg)
	if rep.Status != core.RunConverged || len(rep.Drift()) != 0 {
		t.Fatalf("verify: status %s, drift %v\n%s", rep.Status, rep.Drift(), coretest.Dump(rep))
	}
}

func testHeals(t *testing.T, d core.Driver) {
	reg := Registry(t, Org, quotas.Config{OrgID: Org.OrgID})
	apply(t, d, reg)
	ctx := context.Background()
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatal(err)
	}
	ix := cat.Indexes[quotas.IndexName]
	if ix == nil {
		t.Fatalf("index %s missing after apply", quotas.IndexName)
	}
	if _, err := d.DB().DB.ExecContext(ctx, d.DropIndex(ix)); err != nil {
		t.Fatalf("drop index: %v", err)
	}
	rep := verify(t, d, reg)
	st := rep.Step("index:" + quotas.IndexName)
	if rep.Status != core.RunDrift || st == nil || st.Status != core.StatusDrift {
		t.Fatalf("verify after dropping %s: status %s\n%s", quotas.IndexName, rep.Status, coretest.Dump(rep))
	}
	rep = apply(t, d, reg)
	if st := rep.Step("index:" + quotas.IndexName); rep.Status != core.RunConverged || st == nil || st.Status != core.StatusApplied {
		t.Fatalf("apply did not heal the index\n%s", coretest.Dump(rep))
	}
	if rep := verify(t, d, reg); rep.Status != core.RunConverged {
		t.Fatalf("verify after healing: %s\n%s", rep.Status, coretest.Dump(rep))
	}
}

func testKeepsLimit(t *testing.T, d core.Driver) {
	reg := Registry(t, Org, quotas.Config{OrgID: Org.OrgID})
	apply(t, d, reg)
	if limit, n := limitOf(t, d, Org.OrgID); n != 1 || limit != quotas.DefaultMonthlyTokens {
		t.Fatalf("seeded quota: %d rows, limit %d; want the default", n, limit)
	}
	// An administrator raises the limit; a restart with another seed
	// value must not undo it.
	if _, err := d.DB().DB.ExecContext(context.Background(),
		"UPDATE "+d.Quote(quotas.TableName)+" SET monthly_token_limit = 5000000"); err != nil {
		t.Fatal(err)
	}
	rep := apply(t, d, Registry(t, Org, quotas.Config{OrgID: Org.OrgID, MonthlyTokens: 42}))
	if rep.Changed {
		t.Fatalf("apply changed something\n%s", coretest.Dump(rep))
	}
	if limit, n := limitOf(t, d, Org.OrgID); n != 1 || limit != 5_000_000 {
		t.Fatalf("after restart: %d rows, limit %d; want the administrator's 5000000", n, limit)
	}
}

func testNoOrg(t *testing.T, d core.Driver) {
	reg := Registry(t, orgaccess.Config{}, quotas.Config{})
	rep := apply(t, d, reg)
	st := rep.Step(quotas.SeedStepID)
	if rep.Status != core.RunConverged || st == nil || st.Status != core.StatusSkipped || st.Reason == "" {
		t.Fatalf("without an organization: want converged and the seed skipped with a reason\n%s", coretest.Dump(rep))
	}
	if st := rep.Step("index:" + quotas.IndexName); st == nil || st.Status != core.StatusApplied {
		t.Fatalf("without an organization the schema steps still run\n%s", coretest.Dump(rep))
	}
}
