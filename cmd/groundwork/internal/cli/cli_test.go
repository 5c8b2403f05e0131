package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// result is one in-process run of the command line.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs the command line with only env as its environment.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func mustCode(t *testing.T, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code %d, want %d\n%s", r.code, want, r)
	}
}

// sqliteURL is the URL of the absolute path p.
func sqliteURL(p string) string { return "sqlite:///" + p }

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "gw.db") }

// dropIndex drops an index behind groundwork's back through database/sql.
func dropIndex(t *testing.T, path, name string) {
	t.Helper()
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.DB().DB.Exec(`DROP INDEX "` + name + `"`); err != nil {
		t.Fatal(err)
	}
}

func TestDemoTwiceThenVerify(t *testing.T) {
	db := tempDB(t)
	r := run(t, nil, "demo", "--db", db)
	mustCode(t, r, ExitOK)
	for _, want := range []string{"24 user-model pairs (2 users × 12 models)", "alice@example.com", "(null)", "apply: converged, changed"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("first demo: %q missing\n%s", want, r)
		}
	}

	r = run(t, nil, "demo", "--db", db, "--output", "json")
	mustCode(t, r, ExitOK)
	var res struct {
		Database string `json:"database"`
		Report   struct {
			Status  string `json:"status"`
			Changed bool   `json:"changed"`
		} `json:"report"`
		View struct {
			Rows   int       `json:"rows"`
			Users  int       `json:"users"`
			Models int       `json:"models"`
			Sample []viewRow `json:"sample"`
		} `json:"user_available_models"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("demo JSON: %v\n%s", err, r)
	}
	if res.Report.Changed || res.Report.Status != core.RunConverged {
		t.Fatalf("second demo: status %s changed %t, want converged and unchanged", res.Report.Status, res.Report.Changed)
	}
	if res.View.Rows != 24 || res.View.Users != 2 || res.View.Models != 12 || len(res.View.Sample) == 0 {
		t.Fatalf("view after the second demo: %+v", res.View)
	}
	for _, row := range res.View.Sample {
		if row.UserID != "alice" && row.UserID != "bob" {
			t.Fatalf("user %q in the view: only alice and bob are eligible", row.UserID)
		}
	}

	r = run(t, nil, "demo", "--db", sqliteURL(db))
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "apply: converged, nothing changed") {
		t.Fatalf("third demo (sqlite URL) changed something\n%s", r)
	}

	mustCode(t, run(t, demoEnv(nil), "verify", "--db", sqliteURL(db)), ExitOK)
	mustCode(t, run(t, demoEnv(map[string]string{"GROUNDWORK_DB": sqliteURL(db)}), "verify"), ExitOK)
	mustCode(t, run(t, demoEnv(map[string]string{"DATABASE_URL": sqliteURL(db)}), "plan"), ExitOK)
	// Without the organization, verify would prove nothing of it.
	r = run(t, nil, "verify", "--db", sqliteURL(db))
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "OPENROUTER_EXTERNAL_USER, ORGANIZATION_NAME, OPENROUTER_API_KEY are not set") {
		t.Fatalf("verify without the organization\n%s", r)
	}
	mustCode(t, run(t, nil, "verify", "--db", sqliteURL(db), "--tag", "usage"), ExitOK)
}

// demoEnv is the environment of the demo's organization, plus extra.
func demoEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"OPENROUTER_EXTERNAL_USER": demoOrg.OrgID,
		"ORGANIZATION_NAME":        demoOrg.OrgName,
		"OPENROUTER_API_KEY":       demoOrg.APIKey,
		"GROUNDWORK_ENV":           demoOrg.Environment,
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func TestDemoRefusesOtherDatabases(t *testing.T) {
	r := run(t, nil, "demo", "--db", "postgres://u:pw@localhost/x")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "demo runs on an SQLite file") {
		t.Fatalf("%s", r)
	}
}

func TestDriftVerifyApplyHeals(t *testing.T) {
	const ix = "idx_org_members_user_active"
	drop := map[string]func(t *testing.T, path string){
		"sqlite3 shell": func(t *testing.T, path string) {
			bin, err := exec.LookPath("sqlite3")
			if err != nil {
				t.Skip("the sqlite3 shell is not installed; the database/sql sub-test covers the same")
			}
			if out, err := exec.Command(bin, path, `DROP INDEX "`+ix+`";`).CombinedOutput(); err != nil {
				t.Fatalf("sqlite3: %v: %s", err, out)
			}
		},
		"database/sql": func(t *testing.T, path string) { dropIndex(t, path, ix) },
	}
	for name, dropFn := range drop {
		t.Run(name, func(t *testing.T) {
			db := tempDB(t)
			u := sqliteURL(db)
			mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
			mustCode(t, run(t, demoEnv(nil), "verify", "--db", u), ExitOK)
			dropFn(t, db)

			r := run(t, demoEnv(nil), "verify", "--db", u)
			mustCode(t, r, ExitDrift)
			if !strings.Contains(r.stdout, ix) || !strings.Contains(r.stdout, "drift") {
				t.Fatalf("verify does not name the dropped index\n%s", r)
			}
			r = run(t, demoEnv(nil), "verify", "--db", u, "-o", "json")
			mustCode(t, r, ExitDrift)
			var rep core.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if st := rep.Step("index:" + ix); rep.Status != core.RunDrift || st == nil || st.Status != core.StatusDrift {
				t.Fatalf("verify JSON: %s", r.stdout)
			}

			r = run(t, nil, "plan", "--db", u)
			mustCode(t, r, ExitDrift)
			if !strings.Contains(r.stdout, `CREATE INDEX IF NOT EXISTS "`+ix+`"`) {
				t.Fatalf("plan does not show the SQL\n%s", r)
			}

			r = run(t, nil, "apply", "--db", u)
			mustCode(t, r, ExitOK)
			if !strings.Contains(r.stdout, "apply: converged, changed") {
				t.Fatalf("apply did not heal\n%s", r)
			}
			mustCode(t, run(t, demoEnv(nil), "verify", "--db", u), ExitOK)
		})
	}
}

func TestInvalidInputExits2AndWritesNothing(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"sqlite query", nil, []string{"apply", "--db", "sqlite://DIR/x.db?mode=rwc"}, "query parameters"},
		{"unknown scheme", nil, []string{"apply", "--db", "oracle://u:pw@h/x"}, "unsupported scheme"},
		{"no scheme", nil, []string{"apply", "--db", "DIR/x.db"}, "no scheme"},
		{"bad port", nil, []string{"apply", "--db", "postgres://u:hunter2@h:port/x"}, "port"},
		{"memory", nil, []string{"apply", "--db", "sqlite://:memory:"}, "in-memory"},
		{"mysql bad parameter", nil, []string{"apply", "--db", "mysql://u:hunter2@127.0.0.1:1/x?parseTime=maybe"}, "invalid bool value"},
		{"mysql user with a colon", nil, []string{"apply", "--db", "mysql://a%3Ab:hunter2@127.0.0.1:1/x"}, "user name contains ':'"},
		{"bad url in env", map[string]string{"DATABASE_URL": "postgres://u:hunter2@h:99999/x"}, []string{"verify"}, "DATABASE_URL"},
		{"unknown step", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "--step", "nope"}, `no step has id "nope"`},
		{"unknown tag", nil, []string{"plan", "--db", "sqlite:///DIR/x.db", "--tag", "nope"}, `no step has tag "nope"`},
		{"unknown include", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "--include", "nope"}, `no step has id "nope"`},
		{"bad duration", map[string]string{"GROUNDWORK_LOCK_TIMEOUT": "soon"}, []string{"apply", "--db", "sqlite:///DIR/x.db"}, "GROUNDWORK_LOCK_TIMEOUT"},
		{"bad environment", map[string]string{"GROUNDWORK_ENV": "staging"}, []string{"apply", "--db", "sqlite:///DIR/x.db"}, "GROUNDWORK_ENV"},
		{"blank model", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "--models", "a,,b"}, "--models"},
		{"bad output", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "-o", "yaml"}, "--output"},
		{"bad bool", map[string]string{"GROUNDWORK_NO_NAME_HEURISTIC": "maybe"}, []string{"apply", "--db", "sqlite:///DIR/x.db"}, "GROUNDWORK_NO_NAME_HEURISTIC"},
		{"unknown flag", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "--frobnicate"}, "unknown flag"},
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"extra argument", nil, []string{"apply", "now"}, "unknown command"},
		{"bad limit", nil, []string{"history", "--db", "sqlite:///DIR/x.db", "--limit", "0"}, "--limit"},
		{"missing config file", nil, []string{"apply", "--db", "sqlite:///DIR/x.db", "--config", "DIR/none.yaml"}, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			r := run(t, tt.env, args...)
			mustCode(t, r, ExitInvalid)
			if !strings.Contains(r.stderr, tt.want) || !strings.HasPrefix(r.stderr, "error: ") {
				t.Fatalf("stderr does not start with error: and say %q\n%s", tt.want, r)
			}
			if strings.Contains(r.stdout+r.stderr, "hunter2") {
				t.Fatalf("the password is shown\n%s", r)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Fatalf("files written: %v", entries)
			}
		})
	}
}

func TestJSONOutput(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	r := run(t, nil, "plan", "--db", u, "-o", "json", "--include", "host:openwebui-tables")
	mustCode(t, r, ExitDrift)
	var plan map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r)
	}
	if plan["status"] != core.RunPending || plan["mode"] != core.ModePlan || plan["changed"] != false {
		t.Fatalf("plan JSON: %s", r.stdout)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("plan on a missing SQLite file left a file behind")
	}

	r = run(t, nil, "apply", "--db", u, "--output", "json", "--include", "host:openwebui-tables")
	mustCode(t, r, ExitOK)
	var rep struct {
		Mode    string `json:"mode"`
		Dialect string `json:"dialect"`
		Status  string `json:"status"`
		Changed *bool  `json:"changed"`
		Steps   []struct {
			ID      string   `json:"id"`
			Status  string   `json:"status"`
			Changes []string `json:"changes"`
			SQL     []string `json:"sql"`
			Reason  string   `json:"reason"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("apply JSON: %v\n%s", err, r)
	}
	if rep.Mode != core.ModeApply || rep.Dialect != "sqlite" || rep.Status != core.RunConverged || rep.Changed == nil || !*rep.Changed || len(rep.Steps) == 0 {
		t.Fatalf("apply JSON: %s", r.stdout)
	}
	skipped := 0
	for _, st := range rep.Steps {
		if st.ID == "" || st.Status == "" {
			t.Fatalf("step without id or status: %s", r.stdout)
		}
		if st.Status == core.StatusSkipped {
			skipped++
			if st.Reason == "" {
				t.Fatalf("step %s skipped without a reason", st.ID)
			}
		}
	}
	if skipped == 0 {
		t.Fatalf("no organization settings, yet no step skipped: %s", r.stdout)
	}

	r = run(t, nil, "verify", "--db", u, "-o", "json", "--tag", "usage")
	mustCode(t, r, ExitOK)
	var v core.Report
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Status != core.RunConverged || v.Changed {
		t.Fatalf("verify JSON (%v): %s", err, r.stdout)
	}

	// A failure before the run still prints a JSON report.
	r = run(t, nil, "apply", "--db", "sqlite://x.db?mode=ro", "-o", "json")
	mustCode(t, r, ExitInvalid)
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Status != core.RunFailed || v.Error == "" {
		t.Fatalf("failure JSON (%v): %s", err, r)
	}
}

func TestStepsCommand(t *testing.T) {
	r := run(t, nil, "steps")
	mustCode(t, r, ExitOK)
	for _, want := range []string{"host:openwebui-tables", "(opt-in)", "orgaccess:dev-members", "table:global_settings", "DESCRIPTION"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("steps: %q missing\n%s", want, r)
		}
	}
	r = run(t, nil, "steps", "-o", "json")
	mustCode(t, r, ExitOK)
	var infos []core.StepInfo
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, in := range infos {
		pos[in.ID] = i
	}
	for _, in := range infos {
		for _, dep := range in.After {
			if pos[dep] >= pos[in.ID] {
				t.Fatalf("%s is listed before its dependency %s", in.ID, dep)
			}
		}
	}
	if len(infos) < 30 || !infos[0].OptIn {
		t.Fatalf("steps JSON: %d steps, first %+v", len(infos), infos[0])
	}
}

func TestHistoryCommand(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	r := run(t, nil, "history", "--db", u)
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "no runs recorded yet") {
		t.Fatalf("%s", r)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("history on a missing SQLite file left a file behind")
	}
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)           // converged: not recorded
	mustCode(t, run(t, demoEnv(nil), "verify", "--db", u), ExitOK) // not recorded
	r = run(t, nil, "history", "--db", u)
	mustCode(t, r, ExitOK)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "true") {
		t.Fatalf("history: want a header and the one run that changed something\n%s", r)
	}
	mustCode(t, run(t, nil, "apply", "--db", u, "--record-all"), ExitOK)
	r = run(t, nil, "history", "--db", u)
	mustCode(t, r, ExitOK)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || !strings.Contains(lines[1], "false") || !strings.Contains(lines[2], "true") {
		t.Fatalf("history after apply --record-all: want a header and two runs, newest (unchanged) first\n%s", r)
	}
	r = run(t, nil, "history", "--db", u, "--limit", "1", "-o", "json")
	mustCode(t, r, ExitOK)
	var runs []history.Run
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 || runs[0].Changed || runs[0].Status != core.RunConverged {
		t.Fatalf("history JSON (%v): %s", err, r.stdout)
	}
}

func TestVersionCommand(t *testing.T) {
	r := run(t, nil, "version")
	mustCode(t, r, ExitOK)
	if !strings.HasPrefix(r.stdout, "groundwork ") {
		t.Fatalf("%s", r)
	}
	old := Version
	Version = "v1.2.3"
	defer func() { Version = old }()
	r = run(t, nil, "version", "-o", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Version != "v1.2.3" || v.Go == "" {
		t.Fatalf("version JSON (%v): %s", err, r.stdout)
	}
}

const (
	apiKey   = "sk-or-v1-0123456789abcdefSECRETKEY"
	password = "Pa55w0rdSECRET"
)

func TestSecretsNeverShown(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	env := map[string]string{
		"OPENROUTER_EXTERNAL_USER": "acme-dev",
		"ORGANIZATION_NAME":        "Acme Dev",
		"OPENROUTER_API_KEY":       apiKey,
	}
	var all strings.Builder
	check := func(r result) {
		t.Helper()
		all.WriteString(r.stdout + r.stderr)
		if strings.Contains(r.stdout+r.stderr, apiKey) || strings.Contains(r.stdout+r.stderr, password) {
			t.Fatalf("a secret is shown\n%s", r)
		}
	}
	for _, args := range [][]string{
		{"plan", "--include", "host:openwebui-tables"},
		{"plan", "--include", "host:openwebui-tables", "-o", "json"},
		{"apply", "--include", "host:openwebui-tables"},
		{"apply", "--include", "host:openwebui-tables", "-o", "json", "--log-format", "json"},
		{"verify"},
		{"history", "-o", "json"},
	} {
		r := run(t, env, append(args, "--db", u, "--log-level", "debug")...)
		check(r)
		if r.code != ExitOK && r.code != ExitDrift {
			t.Fatalf("%v: %s", args, r)
		}
	}
	// The key was given as an argument, masked as *** in the plan's SQL.
	if !strings.Contains(all.String(), "'***'") {
		t.Fatal("the plan does not show the key as '***'")
	}
	// The key as a flag, and a run that fails: the organization table
	// exists without the key column, so the upsert fails.
	db2 := tempDB(t)
	setup, err := sql.Open("sqlite", db2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(`CREATE TABLE client_organizations (id TEXT PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	setup.Close()
	r := run(t, nil, "apply", "--db", sqliteURL(db2), "--include", "host:openwebui-tables", "--log-level", "debug",
		"--org-id", "acme-dev", "--org-name", "Acme", "--api-key", apiKey)
	check(r)
	if r.code != ExitFailed {
		t.Fatalf("apply on a broken organization table: exit %d, want %d\n%s", r.code, ExitFailed, r)
	}

	// A URL password, through retries and a failure.
	for _, args := range [][]string{
		{"apply", "--db", "postgres://app:" + password + "@127.0.0.1:1/db", "--wait", "600ms", "--log-level", "debug"},
		{"verify", "--db", "postgresql+psycopg2://app:" + password + "@127.0.0.1:1/db", "-o", "json", "--log-format", "json", "--log-level", "debug"},
		{"apply", "--db", "postgres://app:" + password + "@127.0.0.1:port/db"},
		{"apply", "--db", "postgres://app:" + password + "/x@127.0.0.1/db"},
		{"apply", "--db", "mysql://app:" + password + "@127.0.0.1:1/db", "--wait", "600ms", "--log-level", "debug"},
		{"verify", "--db", "mariadb://app:" + password + "%40%2F%3A@127.0.0.1:1/db?timeout=1s", "-o", "json", "--log-format", "json", "--log-level", "debug"},
	} {
		r := run(t, nil, args...)
		check(r)
		if r.code != ExitRetryable && r.code != ExitInvalid {
			t.Fatalf("%v: %s", args, r)
		}
	}
	if r := run(t, nil, "apply", "--db", "postgres://app:"+password+"@127.0.0.1:1/db", "--wait", "600ms"); !strings.Contains(r.stderr, "still unreachable after waiting 600ms") ||
		!strings.Contains(r.stderr, "postgres://app:***@127.0.0.1:1/db") {
		t.Fatalf("--wait failure message\n%s", r)
	}

	// Nothing in the history table either.
	for _, path := range []string{db, db2} {
		d, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := history.List(context.Background(), d, 100)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 0 {
			t.Fatalf("%s: no run recorded", path)
		}
		for _, run := range runs {
			b, _ := json.Marshal(run)
			if strings.Contains(string(b), apiKey) {
				t.Fatalf("history row shows the key: %s", b)
			}
		}
		if path == db2 && (runs[0].Status != core.RunFailed || runs[0].Error == "") {
			t.Fatalf("the failed run is recorded as %+v", runs[0])
		}
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("db: sqlite://x.db\nlock_timeout: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "verify", "--config", bad)
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, `unknown key "lock_timeout"`) || !strings.Contains(r.stderr, bad) {
		t.Fatalf("unknown key error does not name the key and the file\n%s", r)
	}

	badDur := filepath.Join(dir, "dur.yaml")
	if err := os.WriteFile(badDur, []byte("wait: 30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, map[string]string{"GROUNDWORK_CONFIG": badDur}, "steps")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "dur.yaml: line 1: wait") {
		t.Fatalf("%s", r)
	}

	db := filepath.Join(dir, "cfg.db")
	good := filepath.Join(dir, "good.yaml")
	cfg := fmt.Sprintf("db: %s\nlock-timeout: 5s\noutput: json\norg-id: acme\norg-name: Acme\napi-key: %s\nenvironment: development\nmodels:\n  - a/one\n  - b/two\n", sqliteURL(db), apiKey)
	if err := os.WriteFile(good, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "apply", "--config", good, "--include", "host:openwebui-tables")
	mustCode(t, r, ExitOK)
	if strings.Contains(r.stdout+r.stderr, apiKey) {
		t.Fatalf("key shown\n%s", r)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("output: json from the file: %v\n%s", err, r)
	}
	if st := rep.Step("orgaccess:register-models"); st == nil || st.Status != core.StatusApplied || !strings.Contains(strings.Join(st.Changes, " "), "a/one") {
		t.Fatalf("models from the file not used: %+v", st)
	}
	// The flag beats the file.
	r = run(t, nil, "verify", "--config", good, "-o", "text")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "verify: converged") {
		t.Fatalf("%s", r)
	}
}

func TestResolvePrecedence(t *testing.T) {
	a := &app{mask: &masker{}}
	root := a.rootCommand()
	fs := root.PersistentFlags()
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("db: sqlite://file.db\nwait: 1s\nlock-timeout: 2s\ntimeout: 3s\nlog-level: error\nno-name-heuristic: true\nmodels: x/a, x/b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--config", file, "--lock-timeout", "9s"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GROUNDWORK_WAIT": "7s", "DATABASE_URL": "sqlite://env.db", "GROUNDWORK_TIMEOUT": " "}
	st, err := resolve(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if st.DB != "sqlite://env.db" || st.dbFrom != "DATABASE_URL" {
		t.Fatalf("db %q from %q", st.DB, st.dbFrom)
	}
	if st.LockTimeout.String() != "9s" || st.Wait.String() != "7s" || st.Timeout.String() != "3s" || st.LogLevel != "error" || st.Output != "text" {
		t.Fatalf("settings %+v", st)
	}
	if !st.Org.NoNameHeuristic || strings.Join(st.Org.Models, ",") != "x/a,x/b" {
		t.Fatalf("org settings %+v", st.Org)
	}
	env["GROUNDWORK_DB"] = "sqlite://gw.db"
	if st, _ = resolve(fs, func(k string) string { return env[k] }); st.DB != "sqlite://gw.db" {
		t.Fatalf("GROUNDWORK_DB does not beat DATABASE_URL: %q", st.DB)
	}
	if err := fs.Set("db", "sqlite://flag.db"); err != nil {
		t.Fatal(err)
	}
	if st, _ = resolve(fs, func(k string) string { return env[k] }); st.DB != "sqlite://flag.db" || st.dbFrom != "--db" {
		t.Fatalf("--db does not beat GROUNDWORK_DB: %q", st.DB)
	}
	st, err = resolve(a.rootCommand().PersistentFlags(), func(string) string { return "" })
	if err != nil || st.DB != "" || st.LockTimeout.String() != "1m0s" || st.Output != "text" || st.LogLevel != "warn" {
		t.Fatalf("defaults: %+v, %v", st, err)
	}
}

func TestVersionIgnoresBadSettings(t *testing.T) {
	r := run(t, map[string]string{"GROUNDWORK_ENV": "staging"}, "version", "-o", "json")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, `"version"`) {
		t.Fatalf("%s", r)
	}
}

// TestPostgres runs the commands against the PostgreSQL database of
// GROUNDWORK_TEST_POSTGRES_URL (a scratch database: it gets the host
// tables), and skips without it.
func TestPostgres(t *testing.T) {
	u := os.Getenv("GROUNDWORK_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("GROUNDWORK_TEST_POSTGRES_URL is not set")
	}
	parsed, err := dburl.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"DATABASE_URL":             u,
		"OPENROUTER_EXTERNAL_USER": "cli-test-dev",
		"ORGANIZATION_NAME":        "CLI Test Dev",
		"OPENROUTER_API_KEY":       apiKey,
	}
	var all strings.Builder
	for i, args := range [][]string{
		{"apply", "--include", "host:openwebui-tables", "--log-level", "debug"},
		{"apply", "--include", "host:openwebui-tables", "-o", "json"},
		{"verify"},
		{"plan"},
		{"history", "--limit", "2"},
	} {
		r := run(t, env, args...)
		all.WriteString(r.stdout + r.stderr)
		mustCode(t, r, ExitOK)
		if i == 1 {
			var rep core.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Changed || rep.Dialect != "postgres" {
				t.Fatalf("second apply (%v): %s", err, r.stdout)
			}
		}
	}
	for _, secret := range append(parsed.Secrets(), apiKey) {
		if strings.Contains(all.String(), secret) {
			t.Fatalf("a secret is shown:\n%s", all.String())
		}
	}
}

func TestExitCode(t *testing.T) {
	pgURL := dburl.URL{Dialect: dburl.Postgres}
	stepErr := &core.StepError{Step: "x", Phase: core.PhaseApply, Err: errors.New("boom")}
	tests := []struct {
		rep           *core.Report
		err           error
		failOnPending bool
		want          int
	}{
		{&core.Report{Status: core.RunConverged}, nil, false, ExitOK},
		{&core.Report{Mode: core.ModePlan, Status: core.RunPending}, nil, false, ExitDrift},
		{&core.Report{Mode: core.ModeVerify, Status: core.RunPending}, nil, false, ExitOK},
		{&core.Report{Mode: core.ModeVerify, Status: core.RunPending}, nil, true, ExitPending},
		// Not ready is the step's typed mark, never its reason's text: a
		// reason that reads like it (a pack's own words) is not.
		{&core.Report{Mode: core.ModeVerify, Status: core.RunConverged, Steps: []core.StepReport{{ID: "x", Status: core.StatusSkipped, NotReady: true, Reason: "waiting"}}}, nil, false, ExitRetryable},
		{&core.Report{Mode: core.ModeVerify, Status: core.RunConverged, Steps: []core.StepReport{{ID: "x", Status: core.StatusSkipped, Reason: "host table user does not exist yet (Open WebUI creates it)"}}}, nil, false, ExitOK},
		{&core.Report{Mode: core.ModeApply, Status: core.RunConverged, Steps: []core.StepReport{{ID: "x", Status: core.StatusSkipped, NotReady: true}}}, nil, false, ExitOK},
		{&core.Report{Mode: core.ModeVerify, Status: core.RunConverged}, nil, true, ExitOK},
		{&core.Report{Status: core.RunDrift}, nil, false, ExitDrift},
		{&core.Report{Status: core.RunFailed}, stepErr, false, ExitFailed},
		{&core.Report{Status: core.RunFailed}, fmt.Errorf("lock: %w", core.ErrLockTimeout), false, ExitRetryable},
		{nil, fmt.Errorf("x: %w", core.ErrInvalid), false, ExitInvalid},
		{&core.Report{Status: core.RunFailed, Changed: true}, fmt.Errorf("x: %w", core.ErrInvalid), false, ExitFailed},
		{nil, errors.New("boom"), false, ExitFailed},
		{nil, notReady(pgURL, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")), false, ExitRetryable},
		{nil, notReady(pgURL, errors.New("FATAL: password authentication failed for user \"x\" (SQLSTATE 28P01)")), false, ExitFailed},
		{nil, notReady(pgURL, fmt.Errorf("x: %w", core.ErrInvalid)), false, ExitInvalid},
		{nil, notReady(dburl.URL{Dialect: dburl.MySQL}, errors.New("connect: Error 1045 (28000): Access denied for user 'groundwork'")), false, ExitFailed},
		{nil, notReady(pgURL, errors.New(`FATAL: permission denied for database "x" (SQLSTATE 42501)`)), false, ExitFailed},
		{nil, notReady(pgURL, errors.New(`FATAL: database "x" does not exist (SQLSTATE 3D000)`)), false, ExitFailed},
		{nil, notReady(pgURL, errors.New(`FATAL: the database system is starting up (SQLSTATE 57P03)`)), false, ExitRetryable},
		{nil, notReady(pgURL, errors.New(`FATAL: sorry, too many clients already (SQLSTATE 53300)`)), false, ExitRetryable},
		{nil, notReady(dburl.URL{Dialect: dburl.SQLite}, errors.New("directory x does not exist")), false, ExitFailed},
	}
	for i, tt := range tests {
		if got := exitCodeOf(tt.rep, tt.err, tt.failOnPending); got != tt.want {
			t.Errorf("#%d: exitCode = %d, want %d", i, got, tt.want)
		}
	}
}

func TestMasker(t *testing.T) {
	m := &masker{}
	m.add("p@ss word", "", "k3y")
	got := m.mask("url postgres://u:p%40ss%20word@h, query p%40ss+word, raw p@ss word, key k3y")
	if strings.Contains(got, "ss") || strings.Contains(got, "k3y") {
		t.Fatalf("mask left a secret: %s", got)
	}
	var buf bytes.Buffer
	a := &app{stdout: &buf, stderr: &buf, getenv: func(string) string { return "" }, mask: m}
	a.st = &settings{LogLevel: "debug", LogFormat: "json"}
	_ = a.setupLogger()
	a.log.Error("failed with k3y", "err", errors.New("bad k3y"), "s", "k3y", "list", []string{"k3y"}, "url", testStringer("k3y"))
	if strings.Contains(buf.String(), "k3y") {
		t.Fatalf("log shows the secret: %s", buf.String())
	}
}

type testStringer string

func (s testStringer) String() string { return "value " + string(s) }

func TestIsTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Fatal("a buffer is not a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Fatal("a pipe is not a terminal")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// TestBinary builds the real binary and runs demo then verify.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	exitOf := func(args ...string) (int, string) {
		var env []string
		for k, v := range demoEnv(nil) {
			env = append(env, k+"="+v)
		}
		r := testbin.Run(context.Background(), t, dir, testbin.Env(dir, env...), args...)
		return r.Code, r.Stdout + r.Stderr
	}
	if code, out := exitOf("demo"); code != 0 || !strings.Contains(out, "24 user-model pairs") {
		t.Fatalf("demo: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, DemoDB)); err != nil {
		t.Fatalf("demo did not use %s in the working directory: %v", DemoDB, err)
	}
	if code, out := exitOf("verify", "--db", "sqlite://"+DemoDB); code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	if code, out := exitOf("version"); code != 0 || !strings.Contains(out, testbin.Version) {
		t.Fatalf("version: exit %d\n%s", code, out)
	}
	if code, out := exitOf("apply", "--db", "sqlite://x.db?mode=ro"); code != 2 {
		t.Fatalf("malformed URL: exit %d\n%s", code, out)
	}
	dropIndex(t, filepath.Join(dir, DemoDB), "idx_org_models_org_model")
	if code, out := exitOf("verify", "--db", "sqlite://"+DemoDB); code != 3 || !strings.Contains(out, "idx_org_models_org_model") {
		t.Fatalf("verify after the drop: exit %d\n%s", code, out)
	}
}

// TestConcurrentApply starts several applies at once on one fresh file:
// one applies, the others wait for the lock and find nothing to do.
func TestConcurrentApply(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": apiKey}
	const n = 4
	results := make(chan result, n)
	for range n {
		go func() {
			var out, errb bytes.Buffer
			code := Main(context.Background(), []string{"apply", "--db", u, "--include", "host:openwebui-tables", "-o", "json"},
				&out, &errb, func(k string) string { return env[k] })
			results <- result{code: code, stdout: out.String(), stderr: errb.String()}
		}()
	}
	changed := 0
	for range n {
		r := <-results
		mustCode(t, r, ExitOK)
		var rep core.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Changed {
			changed++
		}
	}
	if changed != 1 {
		t.Fatalf("%d runs changed something, want exactly 1", changed)
	}
	r := run(t, nil, "history", "--db", u, "-o", "json")
	var runs []history.Run
	// The others found nothing to do once they held the lock: a run that
	// changed nothing is not recorded.
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 || !runs[0].Changed {
		t.Fatalf("history (%v): want the one run that changed something: %s", err, r.stdout)
	}
}
