//go:build integration

package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
	"github.com/groundworkdb/groundwork/steps/usage"
)

// targets are the dialects every scenario runs on: SQLite, PostgreSQL and
// MariaDB. GROUNDWORK_SCENARIO_TARGETS (comma-separated names, e.g.
// "sqlite,postgres") narrows them for a quicker local run.
func targets() []kit.Target {
	only := os.Getenv("GROUNDWORK_SCENARIO_TARGETS")
	if only == "" {
		return kit.Targets()
	}
	var out []kit.Target
	for _, tg := range kit.Targets() {
		if slices.Contains(strings.Split(only, ","), tg.Name()) {
			out = append(out, tg)
		}
	}
	return out
}

// eachTarget runs fn as a parallel subtest per target.
func eachTarget(t *testing.T, fn func(t *testing.T, tg kit.Target)) {
	for _, tg := range targets() {
		t.Run(tg.Name(), func(t *testing.T) {
			t.Parallel()
			fn(t, tg)
		})
	}
}

// eachTargetInTurn runs fn as a subtest per target, one after the other:
// for the scenarios whose timing matters (kill points chosen from a
// measured run, wall times), which the other targets' load would skew.
func eachTargetInTurn(t *testing.T, fn func(t *testing.T, tg kit.Target)) {
	for _, tg := range targets() {
		t.Run(tg.Name(), func(t *testing.T) { fn(t, tg) })
	}
}

// The host's users: two are not eligible for a development organization
// (the system user, a pending user); bob has no email (kept: NULL is not
// "system@mai.local"); carol's id and name hold quotes and non-ASCII.
var hostUsers = []struct{ id, name, email, role string }{
	{"system", "System", "system@mai.local", "admin"},
	{"pending1", "Pending", "p@example.com", "pending"},
	{"alice", "Alice", "alice@example.com", "user"},
	{"bob", "Bob", "", "admin"},
	{"carol'ü", `Carol "Ü" ✓`, "carol@example.com", "user"},
}

// eligibleUsers is how many hostUsers a development organization gets.
const eligibleUsers = 3

// buildHost creates the Open WebUI host tables (user, model, config) and
// the users: what a fresh Open WebUI deployment has before groundwork runs.
func buildHost(ctx context.Context, d core.Driver) error {
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		return err
	}
	sel := core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})
	if _, err := core.NewRunner(d, reg, sel).Apply(ctx); err != nil {
		return fmt.Errorf("host tables: %w", err)
	}
	for _, u := range hostUsers {
		var email any = u.email
		if u.email == "" {
			email = nil
		}
		if err := execSQL(ctx, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at, updated_at, last_active_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			u.id, u.name, email, u.role, legacyTS, legacyTS, legacyTS); err != nil {
			return err
		}
	}
	return nil
}

// execSQL runs one statement with ? placeholders bound by the driver.
func execSQL(ctx context.Context, d core.Driver, query string, args ...any) error {
	if _, err := d.DB().DB.ExecContext(ctx, core.Rebind(d, query), args...); err != nil {
		return fmt.Errorf("%s: %w", firstLine(query), err)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// packConfig is the organization the scenarios' environment configures.
func packConfig() orgaccess.Config {
	return orgaccess.Config{OrgID: orgID, OrgName: orgName, APIKey: apiKey}
}

// packSteps are the steps `groundwork apply` runs by default: the
// organization-access pack, then the usage pack.
func packSteps() []core.Step {
	return append(orgaccess.Steps(packConfig()), usage.Steps()...)
}

func packRegistry(t testing.TB) *core.Registry {
	t.Helper()
	reg, err := core.NewRegistry(packSteps()...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return reg
}

// buildConverged is a host deployment on which the packs have run: the
// state every later start of the application finds.
func buildConverged(ctx context.Context, d core.Driver) error {
	if err := buildHost(ctx, d); err != nil {
		return err
	}
	reg, err := core.NewRegistry(packSteps()...)
	if err != nil {
		return err
	}
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	if err != nil {
		return fmt.Errorf("apply: %w\n%s", err, kit.DumpReport(rep))
	}
	if rep.Status != core.RunConverged {
		return fmt.Errorf("apply ended %s\n%s", rep.Status, kit.DumpReport(rep))
	}
	return nil
}

// Templates of the scenarios, built once per target and copied per test.
func hostDB(t testing.TB, tg kit.Target) *kit.Database {
	return tg.Template(t, "host", buildHost).NewDatabase(t)
}

func convergedDB(t testing.TB, tg kit.Target) *kit.Database {
	return tg.Template(t, "converged", buildConverged).NewDatabase(t)
}

func legacyDB(t testing.TB, tg kit.Target) *kit.Database {
	return tg.Template(t, "legacy", buildLegacy).NewDatabase(t)
}

// declared lists the objects the default registry declares, as snapshot
// names ("table x", "index y", "view z"), from the step ids.
func declared(t testing.TB) []string {
	var out []string
	for _, info := range packRegistry(t).Infos() {
		kind, name, ok := strings.Cut(info.ID, ":")
		if ok && (kind == "table" || kind == "index" || kind == "view") {
			out = append(out, kind+" "+name)
		}
	}
	return out
}

// count runs a COUNT(*) query.
func count(t testing.TB, d core.Driver, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.DB().DB.QueryRowContext(context.Background(), core.Rebind(d, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// noDuplicates fails when a link or a membership exists twice for the same
// pair, and returns how many links and memberships the organization has.
func noDuplicates(t testing.TB, d core.Driver) (links, members int) {
	t.Helper()
	for _, c := range []struct{ table, col string }{{orgaccess.OrgModelsTable, "model_id"}, {orgaccess.MembersTable, "user_id"}} {
		dups := count(t, d, "SELECT COUNT(*) FROM (SELECT organization_id, "+c.col+" FROM "+d.Quote(c.table)+
			" GROUP BY organization_id, "+c.col+" HAVING COUNT(*) > 1) dup")
		if dups != 0 {
			t.Errorf("%d duplicated pairs in %s", dups, c.table)
		}
	}
	links = count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.OrgModelsTable)+" WHERE organization_id = ?", orgID)
	members = count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)+" WHERE organization_id = ?", orgID)
	return links, members
}

// viewPairs counts the (user, model) pairs the view grants in the
// organization.
func viewPairs(t testing.TB, d core.Driver) int {
	t.Helper()
	return count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName)+" WHERE organization_id = ?", orgID)
}

// openWebUIDB is a database made from the real Open WebUI schema of a
// generation with its rows (steps/orgaccess/openwebuitest), copied from a
// template built once per target; it skips on a target without that
// schema (MariaDB keeps the minimal host tables).
func openWebUIDB(t testing.TB, tg kit.Target, gen string) *kit.Database {
	t.Helper()
	if _, err := openwebuitest.Schema(tg.Dialect(), gen); err != nil {
		t.Skipf("no Open WebUI %s schema on %s", gen, tg.Name())
	}
	key := "openwebui_" + strings.NewReplacer("v", "", ".", "_", "-", "_").Replace(gen) // openwebui_0_10_2
	return tg.Template(t, key, func(ctx context.Context, d core.Driver) error {
		return openwebuitest.Load(ctx, d.DB().DB, d.Dialect(), gen)
	}).NewDatabase(t)
}

// TestOpenWebUIGenerations runs the operator's entrypoint, the CLI, on
// every Open WebUI generation: apply converges with the models of the
// host's own config (named in the report), a second apply changes
// nothing, verify exits 0, and the host's tables hold the same bytes as
// before but for the model rows the pack registers.
func TestOpenWebUIGenerations(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			eachTarget(t, func(t *testing.T, tg kit.Target) {
				ctx := context.Background()
				db := openWebUIDB(t, tg, gen)
				d := db.Open(t)
				before, err := openwebuitest.TakeSnapshot(ctx, d.DB().DB, d.Dialect(), gen)
				if err != nil {
					t.Fatal(err)
				}
				// The host is at its revision: no upgrade pending.
				env := with(orgEnv(db), orgaccess.EnvHostRevision, orgaccess.RevisionCurrent)
				rep, _ := applyJSON(t, env)
				want := openwebuitest.ConfiguredModels()
				head := fmt.Sprintf("models from the %s: %d (host: Open WebUI ", orgaccess.SourceConfig, len(want))
				if sr := rep.Step(orgaccess.RegisterStepID); sr == nil || len(sr.Notes) == 0 || !strings.HasPrefix(sr.Notes[0], head) {
					t.Fatalf("register-models does not name the source %q:\n%s", head, kit.DumpReport(rep))
				}
				links, members := noDuplicates(t, d)
				if links != len(want) || members != len(openwebuitest.EligibleUsers()) {
					t.Fatalf("%d links and %d members, want %d and %d", links, members, len(want), len(openwebuitest.EligibleUsers()))
				}
				again, _ := applyJSON(t, env)
				if again.Changed || again.Statements != 0 {
					t.Fatalf("second apply changed something:\n%s", kit.DumpReport(again))
				}
				mustExit(t, groundwork(t, env, "verify"), 0)
				after, err := openwebuitest.TakeSnapshot(ctx, d.DB().DB, d.Dialect(), gen)
				if err != nil {
					t.Fatal(err)
				}
				var registered []string
				for _, m := range want {
					if !slices.Contains(openwebuitest.ExistingModels(), m) {
						registered = append(registered, m)
					}
				}
				slices.Sort(registered)
				for table, diff := range before.Diff(after) {
					if table == "model" && len(diff.Removed) == 0 && slices.Equal(diff.AddedIDs(), registered) {
						continue
					}
					t.Errorf("host table %s changed: removed/altered %q, added %q", table, diff.RemovedIDs(), diff.AddedIDs())
				}
				t.Logf("%s %s: %d host rows, first apply %d statements in %.0f ms, second %d queries in %.0f ms",
					tg.Name(), gen, before.Rows(), rep.Statements, rep.DurationMS, again.Queries, again.DurationMS)
			})
		})
	}
}
