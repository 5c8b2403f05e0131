package main_test

// End-to-end tests of the built binary, as an operator runs it: the
// "done when" list of the CLI issue. The binary is built once (testbin);
// every test runs it in its own temporary working directory with a
// minimal environment.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", to set up broken tables

	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

const (
	demoDB = "groundwork-demo.db"
	// droppedIndex is the index the drift test drops with the sqlite3 shell.
	droppedIndex = "idx_org_members_user_active"
	// Exit codes, as documented.
	exitOK, exitFailed, exitInvalid, exitDrift, exitRetryable = 0, 1, 2, 3, 75
)

// demoOrg is the demo's organization as environment variables: verify
// checks an organization only when given one.
var demoOrg = []string{"OPENROUTER_EXTERNAL_USER=demo-dev", "ORGANIZATION_NAME=Demo Dev Org",
	"OPENROUTER_API_KEY=sk-or-v1-demo-0000000000000000-not-a-real-key", "GROUNDWORK_ENV=development"}

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// gw runs the binary in dir with only PATH, HOME and env as environment.
func gw(t *testing.T, dir string, env []string, args ...string) testbin.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return testbin.Run(ctx, t, dir, testbin.Env(dir, env...), args...)
}

// want checks a run's exit code and that its output says each of
// substrings. stdout is a pipe here, never a terminal: it must hold no
// trace of the progress indicator (carriage returns, escape sequences).
func want(t *testing.T, r testbin.Result, code int, substrings ...string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit %d, want %d\n%s", r.Code, code, r)
	}
	if strings.ContainsAny(r.Stdout, "\r\x1b") {
		t.Fatalf("stdout is not a terminal but shows the progress indicator\n%q", r.Stdout)
	}
	for _, s := range substrings {
		if !strings.Contains(r.Stdout+r.Stderr, s) {
			t.Fatalf("output does not say %q\n%s", s, r)
		}
	}
}

// requireTool finds a program on the host: a missing one skips the test,
// or fails it under CI=true (CI must not skip silently).
func requireTool(t *testing.T, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (needed to %s), and CI=true", name, why)
	}
	t.Skipf("skipping: %s is not installed (needed to %s); set CI=true to make this a failure", name, why)
	return ""
}

// report is the part of the JSON report the issue fixes.
type report struct {
	Mode       string `json:"mode"`
	Status     string `json:"status"`
	Changed    bool   `json:"changed"`
	Statements int    `json:"statements"`
	Steps      []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"steps"`
}

// parseReport checks the JSON shape strictly (status a string, changed a
// boolean, steps a list of objects with a string id and status) and
// returns the report.
func parseReport(t *testing.T, r testbin.Result, raw []byte) report {
	t.Helper()
	var shape map[string]any
	if err := json.Unmarshal(raw, &shape); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r)
	}
	status, ok1 := shape["status"].(string)
	_, ok2 := shape["changed"].(bool)
	steps, ok3 := shape["steps"].([]any)
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("JSON report: want status (string), changed (bool), steps (list)\n%s", r)
	}
	switch status {
	case "converged", "drift", "failed", "pending":
	default:
		t.Fatalf("JSON report: status %q is not converged, drift, failed or pending\n%s", status, r)
	}
	for i, s := range steps {
		obj, ok := s.(map[string]any)
		id, _ := obj["id"].(string)
		st, _ := obj["status"].(string)
		if !ok || id == "" || st == "" {
			t.Fatalf("JSON report: step #%d has no id or status: %v\n%s", i+1, s, r)
		}
	}
	var rep report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func (rep report) step(id string) string {
	for _, s := range rep.Steps {
		if s.ID == id {
			return s.Status
		}
	}
	return ""
}

// TestDemoTwiceThenVerify: `demo` on the default file, again (nothing
// changes, and it says so), then `verify` exits 0.
func TestDemoTwiceThenVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want(t, gw(t, dir, nil, "demo"), exitOK,
		"apply: converged, changed", "24 user-model pairs (2 users × 12 models)")
	if _, err := os.Stat(filepath.Join(dir, demoDB)); err != nil {
		t.Fatalf("demo did not create %s in the working directory: %v", demoDB, err)
	}
	want(t, gw(t, dir, nil, "demo"), exitOK, "apply: converged, nothing changed", "24 user-model pairs")

	r := gw(t, dir, nil, "demo", "--output", "json")
	want(t, r, exitOK)
	var out struct {
		Report json.RawMessage `json:"report"`
		View   struct {
			Rows int `json:"rows"`
		} `json:"user_available_models"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("demo JSON: %v\n%s", err, r)
	}
	if rep := parseReport(t, r, out.Report); rep.Changed || rep.Statements != 0 || rep.Status != "converged" {
		t.Fatalf("third demo: status %s, changed %t, %d statements; want converged, unchanged, 0\n%s", rep.Status, rep.Changed, rep.Statements, r)
	}
	if out.View.Rows != 24 {
		t.Fatalf("the view holds %d rows, want 24\n%s", out.View.Rows, r)
	}
	want(t, gw(t, dir, demoOrg, "verify", "--db", "sqlite://"+demoDB), exitOK, "verify: converged, everything holds")
}

// TestDriftHealed: an index dropped with the sqlite3 shell makes verify
// exit 3 naming it; apply heals it; verify exits 0.
func TestDriftHealed(t *testing.T) {
	t.Parallel()
	sqlite3 := requireTool(t, "sqlite3", "drop an index behind groundwork's back")
	dir := t.TempDir()
	db := "sqlite://" + demoDB
	want(t, gw(t, dir, nil, "demo"), exitOK)
	want(t, gw(t, dir, demoOrg, "verify", "--db", db), exitOK)

	drop := exec.Command(sqlite3, filepath.Join(dir, demoDB), `DROP INDEX "`+droppedIndex+`";`)
	if out, err := drop.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	r := gw(t, dir, demoOrg, "verify", "--db", db)
	want(t, r, exitDrift, droppedIndex, "verify: drift")
	r = gw(t, dir, demoOrg, "verify", "--db", db, "--output", "json")
	want(t, r, exitDrift)
	if rep := parseReport(t, r, []byte(r.Stdout)); rep.Status != "drift" || rep.step("index:"+droppedIndex) != "drift" {
		t.Fatalf("verify JSON after the drop: status %s, index step %q\n%s", rep.Status, rep.step("index:"+droppedIndex), r)
	}

	want(t, gw(t, dir, nil, "apply", "--db", db), exitOK, "apply: converged, changed", "create index "+droppedIndex)
	want(t, gw(t, dir, demoOrg, "verify", "--db", db), exitOK, "verify: converged, everything holds")
	out, err := exec.Command(sqlite3, filepath.Join(dir, demoDB), `SELECT name FROM sqlite_master WHERE type = 'index' AND name = '`+droppedIndex+`';`).Output()
	if err != nil || strings.TrimSpace(string(out)) != droppedIndex {
		t.Fatalf("the index is not back (%v): %q", err, out)
	}
}

// TestMalformedInputExits2: invalid input exits 2 with an error naming
// the problem, before anything is written (no file appears).
func TestMalformedInputExits2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  []string
		args []string
		say  string
	}{
		{"query on an sqlite URL", nil, []string{"apply", "--db", "sqlite://gw.db?mode=ro"}, "query parameters"},
		{"port that is not a number", nil, []string{"apply", "--db", "postgres://app:hunter2@127.0.0.1:port/app"}, "port"},
		{"unknown scheme", nil, []string{"apply", "--db", "oracle://app:hunter2@127.0.0.1/app"}, "unsupported scheme"},
		{"no scheme", nil, []string{"apply", "--db", "gw.db"}, "no scheme"},
		{"sqlite URL without a path", nil, []string{"apply", "--db", "sqlite://"}, "no file path"},
		{"malformed DATABASE_URL", []string{"DATABASE_URL=postgres://app:hunter2@127.0.0.1:99999/app"}, []string{"apply"}, "DATABASE_URL"},
		{"malformed GROUNDWORK_DB, JSON output", []string{"GROUNDWORK_DB=sqlite://gw.db?cache=shared"}, []string{"verify", "-o", "json"}, "GROUNDWORK_DB"},
		{"valid URL, bad duration", nil, []string{"apply", "--db", "sqlite://gw.db", "--lock-timeout", "soon"}, "--lock-timeout"},
		{"valid URL, unknown step", nil, []string{"apply", "--db", "sqlite://gw.db", "--step", "nope"}, `"nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := gw(t, dir, tt.env, tt.args...)
			want(t, r, exitInvalid, tt.say)
			if !strings.HasPrefix(r.Stderr, "error: ") {
				t.Fatalf("stderr does not start with \"error: \"\n%s", r)
			}
			if strings.Contains(r.Stdout+r.Stderr, "hunter2") {
				t.Fatalf("the URL password is shown\n%s", r)
			}
			if strings.Contains(strings.Join(tt.args, " "), "-o json") {
				if rep := parseReport(t, r, []byte(r.Stdout)); rep.Status != "failed" {
					t.Fatalf("JSON report of invalid input: status %s, want failed\n%s", rep.Status, r)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("invalid input wrote %v\n%s", names, r)
			}
		})
	}
}

// TestJSONOutput: plan, apply and verify print a report with status,
// changed and steps [{id, status}].
func TestJSONOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://gw.db"
	inc := []string{"--include", "host:openwebui-tables"}

	r := gw(t, dir, nil, append([]string{"plan", "--db", db, "-o", "json"}, inc...)...)
	want(t, r, exitDrift)
	if rep := parseReport(t, r, []byte(r.Stdout)); rep.Status != "pending" || rep.Changed || rep.step("host:openwebui-tables") != "pending" {
		t.Fatalf("plan JSON: status %s, changed %t\n%s", rep.Status, rep.Changed, r)
	}
	r = gw(t, dir, nil, append([]string{"apply", "--db", db, "-o", "json"}, inc...)...)
	want(t, r, exitOK)
	if rep := parseReport(t, r, []byte(r.Stdout)); rep.Status != "converged" || !rep.Changed || rep.step("table:client_organizations") != "applied" {
		t.Fatalf("apply JSON: status %s, changed %t\n%s", rep.Status, rep.Changed, r)
	}
	r = gw(t, dir, nil, "verify", "--db", db, "--output", "json", "--tag", "usage")
	want(t, r, exitOK)
	if rep := parseReport(t, r, []byte(r.Stdout)); rep.Status != "converged" || rep.Changed || rep.step("table:client_organizations") != "ok" {
		t.Fatalf("verify JSON: status %s, changed %t\n%s", rep.Status, rep.Changed, r)
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// secrets collects everything the binary printed and fails on a secret.
type secrets struct {
	t      *testing.T
	values []string
}

func (s *secrets) check(what, text string) {
	s.t.Helper()
	for _, v := range s.values {
		if strings.Contains(text, v) {
			s.t.Fatalf("%s shows the secret %q:\n%s", what, v, text)
		}
	}
}

// checkRun checks what a run printed (its arguments hold the secrets on
// purpose, so they are not part of what is checked).
func (s *secrets) checkRun(r testbin.Result) {
	s.t.Helper()
	s.check(fmt.Sprintf("groundwork %s (exit %d): stdout and stderr", r.Args[0], r.Code), "--- stdout\n"+r.Stdout+"--- stderr\n"+r.Stderr)
}

// TestSecretsNeverShown: an API key (env and flag) and a URL password
// never appear in stdout, stderr or the history table, also when a run
// fails or the database cannot be reached.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	apiKey := "sk-or-v1-e2e-" + randomHex(t, 16)
	password := "pw-e2e-" + randomHex(t, 12)
	s := &secrets{t: t, values: []string{apiKey, password}}
	org := []string{"OPENROUTER_EXTERNAL_USER=acme-dev", "ORGANIZATION_NAME=Acme Dev", "OPENROUTER_API_KEY=" + apiKey}
	dir := t.TempDir()
	db := "sqlite://gw.db"

	for _, args := range [][]string{
		{"plan", "--include", "host:openwebui-tables"},
		{"apply", "--include", "host:openwebui-tables", "--log-format", "json"},
		{"apply", "-o", "json"},
		{"verify", "-o", "json"},
		{"plan", "-o", "json"},
	} {
		r := gw(t, dir, org, append(args, "--db", db, "--log-level", "debug")...)
		s.checkRun(r)
		if r.Code != exitOK && r.Code != exitDrift {
			t.Fatalf("exit %d\n%s", r.Code, r)
		}
	}

	// The key as a flag, on a database whose organization table lacks the
	// key column: the run fails, and is recorded as failed, with its error.
	broken := filepath.Join(dir, "broken.db")
	setup, err := sql.Open("sqlite", broken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(`CREATE TABLE client_organizations (id TEXT PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	setup.Close()
	r := gw(t, dir, nil, "apply", "--db", "sqlite://broken.db", "--include", "host:openwebui-tables", "--log-level", "debug",
		"--org-id", "acme-dev", "--org-name", "Acme Dev", "--api-key", apiKey)
	s.checkRun(r)
	want(t, r, exitFailed, "orgaccess:organization")

	// A URL password: an unreachable server, retried, then given up.
	for _, args := range [][]string{
		{"apply", "--db", "postgres://app:" + password + "@127.0.0.1:1/app", "--wait", "600ms", "--log-level", "debug"},
		{"verify", "--db", "postgresql+psycopg2://app:" + password + "@127.0.0.1:1/app", "-o", "json", "--log-format", "json", "--log-level", "debug"},
	} {
		r := gw(t, dir, org, args...)
		s.checkRun(r)
		want(t, r, exitRetryable, "app:***@127.0.0.1:1")
	}

	// The history table, through the CLI and raw.
	for _, file := range []string{"gw.db", "broken.db"} {
		for _, format := range []string{"text", "json"} {
			r := gw(t, dir, nil, "history", "--db", "sqlite://"+file, "-o", format)
			want(t, r, exitOK)
			s.checkRun(r)
		}
		dump := dumpRuns(t, filepath.Join(dir, file))
		s.check("the rows of groundwork_runs in "+file, dump)
		if file == "broken.db" && !strings.Contains(dump, "failed") {
			t.Fatalf("the failed run is not recorded as failed:\n%s", dump)
		}
	}

	t.Run("postgres URL password", func(t *testing.T) {
		testPostgresPassword(t, &secrets{t: t, values: []string{apiKey, password}}, org, password)
	})
}

// dumpRuns is every row of groundwork_runs in an SQLite file: the sqlite3
// shell's .dump when it is installed, else every column through
// database/sql.
func dumpRuns(t *testing.T, path string) string {
	t.Helper()
	if sqlite3, err := exec.LookPath("sqlite3"); err == nil {
		out, err := exec.Command(sqlite3, path, ".dump groundwork_runs").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "INSERT INTO") {
			t.Fatalf("sqlite3 .dump groundwork_runs (%v):\n%s", err, out)
		}
		return string(out)
	}
	out := sxQuery(t, "sqlite", path, `SELECT * FROM groundwork_runs`)
	if out == "" {
		t.Fatalf("no rows in groundwork_runs of %s", path)
	}
	return out
}

// testPostgresPassword runs apply against a throw-away PostgreSQL server
// (the host's initdb and pg_ctl) that checks the URL's password, so the
// password reaches a database that records runs: it must show nowhere,
// neither in the output nor in the history table, also for a failed run.
// Without the PostgreSQL binaries it skips (the unreachable-server case
// above covers the output).
func testPostgresPassword(t *testing.T, s *secrets, org []string, password string) {
	srv := hostpg.Require(t, hostpg.WithPassword("gw", password))
	url := srv.URL("postgres")
	dir := t.TempDir()

	r := gw(t, dir, org, "apply", "--db", url, "--include", "host:openwebui-tables", "--log-level", "debug", "--wait", "10s")
	s.checkRun(r)
	want(t, r, exitOK, "apply: converged, changed")
	// A failing run, recorded with its error: a second organization with
	// the same key is refused (one key serves one organization).
	other := []string{"OPENROUTER_EXTERNAL_USER=other-org", "ORGANIZATION_NAME=Other", org[2]}
	r = gw(t, dir, other, "apply", "--db", url, "--log-level", "debug")
	s.checkRun(r)
	want(t, r, exitInvalid, "already uses this OPENROUTER_API_KEY")
	for _, format := range []string{"text", "json"} {
		r := gw(t, dir, nil, "history", "--db", url, "-o", format)
		want(t, r, exitOK)
		s.checkRun(r)
	}
	psql, err := hostpg.Binary("psql")
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	cmd := exec.Command(psql, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port), "-U", "gw", "-d", "postgres", "-At",
		"-c", "SELECT CAST(r.* AS text) FROM groundwork_runs r")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), "\n") != 2 || !strings.Contains(string(out), ",failed,") {
		t.Fatalf("psql groundwork_runs (%v): want two runs, the second failed:\n%s", err, out)
	}
	s.check("the rows of groundwork_runs on PostgreSQL", string(out))
}
