// Package packtest runs the organization-access pack against a real
// database of any dialect: the SQLite run is part of `go test ./...`,
// PostgreSQL and MariaDB run it from integration/.
package packtest

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

const (
	orgID  = "acme-dev"
	apiKey = "sk-or-v1-SECRET-never-printed-0123456789"
)

// DevConfig is a development organization with the built-in models.
func DevConfig() orgaccess.Config {
	// The host's revision is the database's: these suites are not about
	// Open WebUI's upgrades (see hostsafetest and the view's hold).
	return orgaccess.Config{OrgID: orgID, OrgName: "Acme 'Dev'; \"Org\" ✓", APIKey: apiKey, Host: orgaccess.HostTarget{Current: true}}
}

// Run runs every pack test on databases from h: on the minimal host
// tables of the opt-in step (every dialect), then on the real Open WebUI
// schema of each generation with its rows (where a schema exists for the
// dialect: SQLite, PostgreSQL).
func Run(t *testing.T, h coretest.Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, core.Driver)
	}{
		{"DevOrganization24Mappings", testDev},
		{"ConvergesAndFollowsConfig", testFollowsConfig},
		{"ProductionGetsNoMembers", testProduction},
		{"MissingEnvRunsSchemaOnly", testMissingEnv},
		{"MissingHostTablesSkip", testMissingHost},
		{"ModelsFromOpenWebUIConfig", testConfigTable},
		{"ExistingDeploymentUpgraded", testExisting},
		{"HostileNamesStoredExactly", testHostileNames},
		{"LargePopulationRefreshesStatistics", testLargePopulation},
		{"DemoStepOnlyOnItsOwnTables", testDemoOwnTables},
		{"SignupIsPendingNotDrift", testSignupIsPending},
		{"RenamedOrganizationIsPending", testRenamedOrganizationIsPending},
		{"SignupsDuringApplyNeverFail", testSignupsDuringApply},
		{"RealFailureStillFails", testRealFailureStillFails},
		{"PopulationInBatches", testPopulationInBatches},
		{"ColdStartOneBatch", testColdStartOneBatch},
		{"ManyModelsUnderParameterLimits", testManyModels},
		{"CollidingModelIDsConverge", testCollidingModelIDs},
		{"WarmRoundTrips", testWarmRoundTrips},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t)(t)) })
	}
	runHosts(t, h)
	runGroups(t, h)
	runLiveHost(t, h)
}

func registry(t *testing.T, cfg orgaccess.Config, host bool) *core.Registry {
	t.Helper()
	steps := []core.Step{}
	if host {
		steps = append(steps, orgaccess.HostTables())
	}
	reg, err := core.NewRegistry(append(steps, orgaccess.Steps(cfg)...)...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return reg
}

func apply(t *testing.T, d core.Driver, cfg orgaccess.Config) *core.Report {
	t.Helper()
	rep, err := core.NewRunner(d, registry(t, cfg, false)).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	if strings.Contains(dumpJSON(t, rep), apiKey) {
		t.Fatalf("the API key appears in the report")
	}
	return rep
}

func setupHost(t *testing.T, d core.Driver) {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(context.Background()); err != nil {
		t.Fatalf("host tables: %v", err)
	}
	exec(t, d, "INSERT INTO "+d.Quote("user")+` (id, name, email, role, created_at) VALUES
 ('system', 'System', 'system@mai.local', 'admin', 1),
 ('pending1', 'Pending', 'p@example.com', 'pending', 1),
 ('alice', 'Alice', 'alice@example.com', 'user', 1),
 ('bob', 'Bob', NULL, 'admin', 1)`)
}

func exec(t *testing.T, d core.Driver, q string) {
	t.Helper()
	if _, err := d.DB().ExecContext(context.Background(), q); err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
}

func scalar(t *testing.T, d core.Driver, q string) int {
	t.Helper()
	var n int
	if err := d.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return n
}

func viewPairs(t *testing.T, d core.Driver) int {
	return scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName)+" WHERE organization_id = '"+orgID+"'")
}

func dumpJSON(t *testing.T, rep *core.Report) string {
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("report does not marshal: %v", err)
	}
	return string(b)
}

func testDev(t *testing.T, d core.Driver) {
	setupHost(t, d)
	rep := apply(t, d, DevConfig())
	if rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("first run:\n%s", coretest.Dump(rep))
	}
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{orgaccess.OrgTable, orgaccess.OrgModelsTable, orgaccess.MembersTable} {
		if cat.Tables[tb] == nil {
			t.Errorf("table %s missing", tb)
		}
	}
	for _, ix := range []string{"idx_org_members_user_active", "idx_org_members_org_active", "idx_org_models_org_active", "idx_org_models_org_model"} {
		if cat.Indexes[ix] == nil {
			t.Errorf("index %s missing", ix)
		}
	}
	if !cat.Indexes["idx_org_models_org_model"].Unique {
		t.Errorf("idx_org_models_org_model is not unique")
	}
	if cat.Views[orgaccess.ViewName] == nil {
		t.Fatalf("view %s missing", orgaccess.ViewName)
	}
	if n := viewPairs(t, d); n != 24 {
		t.Fatalf("view holds %d user-model mappings, want the seed's 24", n)
	}
	rows, err := d.DB().QueryContext(context.Background(), "SELECT DISTINCT user_id FROM "+d.Quote(orgaccess.ViewName))
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for rows.Next() {
		var u string
		_ = rows.Scan(&u)
		users = append(users, u)
	}
	rows.Close()
	sort.Strings(users)
	if strings.Join(users, ",") != "alice,bob" {
		t.Fatalf("view users = %v, want alice and bob (not system, not pending; NULL email kept)", users)
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM model WHERE user_id = 'system' AND base_model_id = id"); n != 12 {
		t.Fatalf("%d models registered, want 12", n)
	}
	rep = apply(t, d, DevConfig())
	if rep.Changed || rep.Statements != 0 || rep.Status != core.RunConverged {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(rep))
	}
	t.Logf("%s: no-op run of the whole pack: %d queries, %d statements", d.Dialect(), rep.Queries, rep.Statements)
}

func testFollowsConfig(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	cfg.Models = []string{"openai/gpt-4.1", "x-ai/grok-4"}
	apply(t, d, cfg)
	if n := viewPairs(t, d); n != 4 {
		t.Fatalf("view holds %d pairs, want 2 users × 2 models", n)
	}
	// An admin deactivates one link: it must stay deactivated.
	exec(t, d, "UPDATE organization_models SET is_active = 0 WHERE model_id = 'x-ai/grok-4'")
	// A model is added to the configuration later: it gets linked.
	cfg.Models = append(cfg.Models, "openai/o3")
	rep := apply(t, d, cfg)
	if !rep.Changed {
		t.Fatalf("the added model was not linked:\n%s", coretest.Dump(rep))
	}
	if n := scalar(t, d, "SELECT is_active FROM organization_models WHERE model_id = 'x-ai/grok-4'"); n != 0 {
		t.Fatalf("a deactivated link was reactivated")
	}
	if n := viewPairs(t, d); n != 4 {
		t.Fatalf("view holds %d pairs, want 2 users × 2 active models", n)
	}
	// A membership deleted in a development organization comes back.
	exec(t, d, "DELETE FROM organization_members WHERE user_id = 'alice'")
	rep = apply(t, d, cfg)
	if !rep.Changed || scalar(t, d, "SELECT COUNT(*) FROM organization_members WHERE user_id = 'alice'") != 1 {
		t.Fatalf("deleted membership not restored:\n%s", coretest.Dump(rep))
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models"); n != 3 {
		t.Fatalf("%d links, want 3 (no duplicates)", n)
	}
	// A new API key and name update the organization; an unchanged run does not.
	cfg.OrgName, cfg.APIKey = "Renamed Dev", "sk-or-v1-other-SECRET"
	rep = apply(t, d, cfg)
	if sr := rep.Step(orgaccess.OrgStepID); sr.Status != core.StatusApplied || strings.Contains(dumpJSON(t, rep), cfg.APIKey) {
		t.Fatalf("organization not updated, or key leaked:\n%s", coretest.Dump(rep))
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM client_organizations WHERE name = 'Renamed Dev'"); n != 1 {
		t.Fatalf("organization name not updated")
	}
}

func testProduction(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	cfg.Environment = orgaccess.Production
	rep := apply(t, d, cfg)
	if sr := rep.Step(orgaccess.MembersStepID); sr.Status != core.StatusSkipped {
		t.Fatalf("dev members ran for a production organization:\n%s", coretest.Dump(rep))
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_members"); n != 0 {
		t.Fatalf("production organization got %d members", n)
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models"); n != 12 {
		t.Fatalf("production organization has %d links, want 12", n)
	}
	// The heuristic can be turned off: "dev" in the name then means nothing.
	cfg.Environment, cfg.NoNameHeuristic = "", true
	if cfg.IsDevelopment() {
		t.Fatalf("heuristic not turned off")
	}
}

func testMissingEnv(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	cfg.APIKey = ""
	rep := apply(t, d, cfg)
	sr := rep.Step(orgaccess.OrgStepID)
	if sr.Status != core.StatusSkipped || !strings.Contains(sr.Reason, orgaccess.EnvAPIKey) {
		t.Fatalf("missing key not named:\n%s", coretest.Dump(rep))
	}
	cat, _ := d.Inspect(context.Background(), d.DB())
	if cat.Tables[orgaccess.OrgTable] == nil || cat.Views[orgaccess.ViewName] == nil {
		t.Fatalf("schema steps did not run without the organization settings")
	}
}

func testMissingHost(t *testing.T, d core.Driver) {
	rep := apply(t, d, DevConfig())
	sr := rep.Step(orgaccess.RegisterStepID)
	if sr.Status != core.StatusSkipped || !strings.Contains(sr.Reason, "model") {
		t.Fatalf("model registration not skipped naming the table:\n%s", coretest.Dump(rep))
	}
	if rep.Step(orgaccess.OrgStepID).Status != core.StatusApplied {
		t.Fatalf("the organization does not need host tables and should be stored:\n%s", coretest.Dump(rep))
	}
	// Once the host creates its tables, the next run completes.
	setupHost(t, d)
	apply(t, d, DevConfig())
	if n := viewPairs(t, d); n != 24 {
		t.Fatalf("after host tables appeared: %d pairs, want 24", n)
	}
}

func testConfigTable(t *testing.T, d core.Driver) {
	setupHost(t, d)
	data := `{"openai":{"api_base_urls":["https://openrouter.ai/api/v1","http://a.internal/v1","http://b.internal/v1"],"api_configs":{"0":{"enable":true,"model_ids":["openai/gpt-4.1","openai/o3"]},"1":{"enable":false,"model_ids":["disabled/model"]},"2":{"model_ids":["x-ai/grok-4","openai/o3"]}}}}`
	cast := d.(core.DataSQL).Cast("?", core.JSON)
	if _, err := d.DB().DB.ExecContext(context.Background(), core.Rebind(d, "INSERT INTO config (data, version, created_at) VALUES ("+cast+", 0, ?)"), data, time.Now().UTC()); err != nil {
		t.Fatalf("insert config: %v", err)
	}
	rep := apply(t, d, DevConfig())
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models"); n != 3 {
		t.Fatalf("%d links, want the 3 enabled config models\n%s", n, coretest.Dump(rep))
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models WHERE model_id = 'disabled/model'"); n != 0 {
		t.Fatalf("a disabled connection's model was linked")
	}
}

func testHostileNames(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	cfg.OrgID = "dev-'; DROP TABLE \"user\"; --"
	cfg.OrgName = strings.Repeat("Zażółć gęślą jaźń ', \" ; ", 10)
	cfg.Models = []string{"weird/it's-a \"model\"; --", "ünïcode/模型"}
	apply(t, d, cfg)
	var name string
	if err := d.DB().DB.QueryRowContext(context.Background(), core.Rebind(d, "SELECT name FROM client_organizations WHERE id = ?"), cfg.OrgID).Scan(&name); err != nil || name != cfg.OrgName {
		t.Fatalf("organization name not stored exactly: %q, %v", name, err)
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models"); n != 2 {
		t.Fatalf("%d links, want 2", n)
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote("user")); n != 4 {
		t.Fatalf("user table has %d rows", n)
	}
	if got := orgaccess.DisplayName("ünïcode/模型"); got != "模型 (ünïcode)" || !utf8.ValidString(got) {
		t.Fatalf("display name %q", got)
	}
	if _, err := orgaccess.ParseModels("a,,b"); err == nil {
		t.Fatalf("a blank model was accepted")
	}
}
