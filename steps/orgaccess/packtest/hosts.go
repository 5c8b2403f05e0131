package packtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// hostTests run on a database made from the real Open WebUI schema of
// each generation (steps/orgaccess/openwebuitest) with its rows, on the
// dialects those schemas exist for (SQLite, PostgreSQL). MariaDB keeps
// the minimal host tables of the other tests.
var hostTests = []struct {
	name string
	fn   func(*testing.T, core.Driver, string)
}{
	{"ConvergesHostTablesUntouched", testHostConverges},
	{"NewInstallGetsBuiltinList", testHostNewInstall},
	{"DisabledConfigGivesNoModels", testHostDisabled},
	{"ExplicitListWins", testHostExplicit},
	{"MalformedEntriesSkippedAndNamed", testHostMalformed},
	{"UnreadableJSONSkippedAndNamed", testHostUnreadable},
	{"DemoStepRefusesRealHost", testHostDemoRefuses},
	{"WarmRoundTrips", testHostWarmRoundTrips},
	{"ColdApplyTransactions", testHostColdTransactions},
}

func runHosts(t *testing.T, h coretest.Harness) {
	t.Run("OpenWebUI", func(t *testing.T) {
		dialect := h.NewDatabase(t)(t).Dialect()
		for _, gen := range openwebuitest.Generations() {
			if _, err := openwebuitest.Schema(dialect, gen); err != nil {
				t.Skipf("no Open WebUI %s schema on %s: the minimal host tables serve there", gen, dialect)
			}
			for _, tc := range hostTests {
				t.Run(gen+"/"+tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t)(t), gen) })
			}
		}
	})
}

func load(t *testing.T, d core.Driver, gen string, opts ...openwebuitest.Option) {
	t.Helper()
	if err := openwebuitest.Load(context.Background(), d.DB().DB, d.Dialect(), gen, opts...); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, d core.Driver, gen string) openwebuitest.Snapshot {
	t.Helper()
	s, err := openwebuitest.TakeSnapshot(context.Background(), d.DB().DB, d.Dialect(), gen)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// requireHostDiff fails unless the host's tables changed by exactly the
// model rows of added (the models the pack registers), nothing else.
func requireHostDiff(t *testing.T, before, after openwebuitest.Snapshot, added []string) {
	t.Helper()
	diff := before.Diff(after)
	for table, d := range diff {
		if table == "model" && len(d.Removed) == 0 && slices.Equal(d.AddedIDs(), sorted(added)) {
			continue
		}
		t.Errorf("host table %s changed: %d rows gone or altered %q, %d added %q", table, len(d.Removed), d.RemovedIDs(), len(d.Added), d.AddedIDs())
	}
	if len(added) > 0 && diff["model"].Added == nil {
		t.Errorf("the pack registered none of %q", added)
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func notes(rep *core.Report) string {
	sr := rep.Step(orgaccess.RegisterStepID)
	if sr == nil {
		return ""
	}
	return strings.Join(sr.Notes, "\n")
}

func requireNotes(t *testing.T, rep *core.Report, want ...string) {
	t.Helper()
	got := notes(rep)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("register-models notes lack %q:\n%s", w, got)
		}
	}
}

func links(t *testing.T, d core.Driver) []string {
	t.Helper()
	rows, err := d.DB().DB.QueryContext(context.Background(), "SELECT model_id FROM "+d.Quote(orgaccess.OrgModelsTable))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func verifyClean(t *testing.T, d core.Driver, cfg orgaccess.Config) {
	t.Helper()
	rep, err := core.NewRunner(d, registry(t, cfg, false)).Verify(context.Background())
	if err != nil || rep.Status != core.RunConverged || len(rep.Drift()) > 0 {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
}

// The pack on a real host: the configured models (connection by
// position, prefix applied, disabled and stale entries left out) are
// registered where missing and linked, the eligible users join, the view
// serves the active ones; a second run changes nothing; verify is clean;
// and the host's tables hold the same bytes as before, but for the model
// rows the pack registers.
func testHostConverges(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	before := snapshot(t, d, gen)
	rep := apply(t, d, DevConfig())
	if rep.Status != core.RunConverged {
		t.Fatalf("apply:\n%s", coretest.Dump(rep))
	}
	want := openwebuitest.ConfiguredModels()
	host := map[string]string{
		openwebuitest.V0_6_40:   "Open WebUI v0.6.40, alembic 37f288994c47, config " + orgaccess.LayoutSingleRow,
		openwebuitest.V0_8_Like: "Open WebUI 0.8–0.9, alembic f1e2d3c4b5a6, config " + orgaccess.LayoutSingleRow,
		openwebuitest.V0_10_2:   "Open WebUI v0.10.2, alembic 42e2978c7933, config " + orgaccess.LayoutPerKey,
	}[gen]
	requireNotes(t, rep, fmt.Sprintf("models from the %s: %d (host: %s)", orgaccess.SourceConfig, len(want), host),
		`"3"`, "connection 2", "disabled")
	if got := links(t, d); !slices.Equal(got, sorted(want)) {
		t.Fatalf("links %q, want %q", got, sorted(want))
	}
	var registered []string
	for _, m := range want {
		if !slices.Contains(openwebuitest.ExistingModels(), m) {
			registered = append(registered, m)
		}
	}
	after := snapshot(t, d, gen)
	requireHostDiff(t, before, after, registered)
	if n := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)); n != len(openwebuitest.EligibleUsers()) {
		t.Fatalf("%d members, want %d", n, len(openwebuitest.EligibleUsers()))
	}
	// Every linked model is active but the one an admin deactivated.
	if n, active := viewPairs(t, d), len(want)-1; n != len(openwebuitest.EligibleUsers())*active {
		t.Fatalf("view holds %d pairs, want %d users × %d active models", n, len(openwebuitest.EligibleUsers()), active)
	}
	again := apply(t, d, DevConfig())
	if again.Changed || again.Statements != 0 {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(again))
	}
	if d := after.Diff(snapshot(t, d, gen)); len(d) != 0 {
		t.Fatalf("the second run changed host tables: %v", d)
	}
	verifyClean(t, d, DevConfig())
	t.Logf("register-models notes:\n%s", notes(rep))
	t.Logf("%s %s: %d host rows; first run %d statements, %d queries; second %d queries; %d models registered, %d linked",
		d.Dialect(), gen, before.Rows(), rep.Statements, rep.Queries, again.Queries, len(registered), len(want))
}

// A brand-new install (no config stored) gets the built-in list.
func testHostNewInstall(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen, openwebuitest.NoConfig())
	rep := apply(t, d, DevConfig())
	requireNotes(t, rep, fmt.Sprintf("models from the %s: %d", orgaccess.SourceBuiltin, len(orgaccess.BuiltinModels)), "new install")
	if got := links(t, d); len(got) != len(orgaccess.BuiltinModels) {
		t.Fatalf("%d links, want the %d built-in models", len(got), len(orgaccess.BuiltinModels))
	}
}

// An existing config that serves no model (OpenAI connections turned
// off) gives no model: the built-in list is no fallback for it.
func testHostDisabled(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen, openwebuitest.Settings(map[string]string{"openai.enable": "false"}))
	before := snapshot(t, d, gen)
	rep := apply(t, d, DevConfig())
	if rep.Status != core.RunConverged {
		t.Fatalf("apply:\n%s", coretest.Dump(rep))
	}
	requireNotes(t, rep, "models from the "+orgaccess.SourceConfig+": none", "openai.enable is false")
	if got := links(t, d); len(got) != 0 {
		t.Fatalf("links %q, want none", got)
	}
	requireHostDiff(t, before, snapshot(t, d, gen), nil)
	if again := apply(t, d, DevConfig()); again.Changed {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(again))
	}
}

// An explicit list wins over the host's config.
func testHostExplicit(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := DevConfig()
	cfg.Models = []string{"openai/o3", openwebuitest.ModelOverride}
	rep := apply(t, d, cfg)
	requireNotes(t, rep, "models from the "+orgaccess.SourceExplicit+": 2")
	if got := links(t, d); !slices.Equal(got, sorted(cfg.Models)) {
		t.Fatalf("links %q, want %q", got, cfg.Models)
	}
}

// Malformed entries of a config the host's json type accepts: each is
// skipped and named, the rest is used.
func testHostMalformed(t *testing.T, d core.Driver, gen string) {
	long := strings.Repeat("m", 256)
	load(t, d, gen, openwebuitest.Settings(map[string]string{
		"openai.api_base_urls": `["https://openrouter.ai/api/v1", "http://vllm.internal:8000/v1", "http://user:hunter2@ollama.internal:11434/v1?key=hunter2"]`,
		"openai.api_configs": `{"0": {"model_ids": ["openai/gpt-4.1", 42, "` + long + `", "", "openai/o3"]},
 "1": {"enable": "true", "model_ids": ["never/linked"]},
 "http://user:hunter2@ollama.internal:11434/v1?key=hunter2": {"prefix_id": "ol", "model_ids": ["qwen2.5:7b"]}}`,
	}))
	rep := apply(t, d, DevConfig())
	if rep.Status != core.RunConverged {
		t.Fatalf("apply:\n%s", coretest.Dump(rep))
	}
	want := []string{"ol.qwen2.5:7b", "openai/gpt-4.1", "openai/o3"}
	if got := links(t, d); !slices.Equal(got, want) {
		t.Fatalf("links %q, want %q (the rest of a config with malformed entries)", got, want)
	}
	requireNotes(t, rep, "models from the "+orgaccess.SourceConfig+": 3",
		"model_ids entry 1 is 42, not a string", "model_ids entry 2", "256 bytes", "entry 3 is blank",
		`connection 1 (http://vllm.internal:8000/v1): "enable" is "true", not true or false: skipped`)
	if strings.Contains(dumpJSON(t, rep), "hunter2") {
		t.Fatalf("a connection URL's credentials appear in the report:\n%s", notes(rep))
	}
}

// Unreadable JSON in one key (only SQLite's JSON columns can hold it):
// that key is skipped and named, the others are used. In the single-row
// layout the whole document is one value: it gives no model, named.
func testHostUnreadable(t *testing.T, d core.Driver, gen string) {
	if d.Dialect() != "sqlite" {
		t.Skipf("%s's json type rejects text that is not JSON", d.Dialect())
	}
	if gen != openwebuitest.V0_10_2 {
		load(t, d, gen, openwebuitest.RawConfigData(`{"openai": {"api_configs": {"0": {"model_ids": ["a/b"]}}`))
		rep := apply(t, d, DevConfig())
		requireNotes(t, rep, "models from the "+orgaccess.SourceConfig+": none", "not a JSON object")
		if got := links(t, d); len(got) != 0 {
			t.Fatalf("links %q from an unreadable config, want none (never the built-in list)", got)
		}
		return
	}
	load(t, d, gen, openwebuitest.Settings(map[string]string{"openai.enable": `tru`}))
	rep := apply(t, d, DevConfig())
	requireNotes(t, rep, "openai.enable is tru, not true or false: skipped")
	if got := links(t, d); len(got) != len(openwebuitest.ConfiguredModels()) {
		t.Fatalf("links %q, want the %d configured models", got, len(openwebuitest.ConfiguredModels()))
	}
}

// The demo's host tables step refuses a real host and changes nothing.
func testHostDemoRefuses(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	before := snapshot(t, d, gen)
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(context.Background())
	if !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "real Open WebUI database") || !strings.Contains(err.Error(), "alembic_version") {
		t.Fatalf("want a refusal naming what it found, got %v\n%s", err, coretest.Dump(rep))
	}
	if diff := before.Diff(snapshot(t, d, gen)); len(diff) != 0 {
		t.Fatalf("the refused step changed host tables: %v", diff)
	}
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"api_key", "oauth_sub", "access_control"} {
		for _, tb := range []string{"user", "model"} {
			if gen == openwebuitest.V0_10_2 && cat.Tables[tb].Column(c) != nil {
				t.Fatalf("column %s.%s appeared on a v0.10 host", tb, c)
			}
		}
	}
}
