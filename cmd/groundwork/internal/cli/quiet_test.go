package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// TestNoOpIsOneLine: a converged apply that changes nothing prints one
// line, on every pod start; -v (and a change) print the table.
func TestNoOpIsOneLine(t *testing.T) {
	u := sqliteURL(tempDB(t))
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": apiKey}
	r := run(t, env, "apply", "--db", u, "--include", "host:openwebui-tables")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "STEP") || !strings.Contains(r.stdout, "apply: converged, changed") {
		t.Fatalf("a changing apply shows no table\n%s", r)
	}
	r = run(t, env, "apply", "--db", u)
	mustCode(t, r, ExitOK)
	if lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "apply: converged, nothing changed") || r.stderr != "" {
		t.Fatalf("a no-op apply: want one line on stdout and nothing on stderr\n%s", r)
	}
	t.Logf("no-op apply:\n%s", r.stdout)
	r = run(t, env, "apply", "--db", u, "-v")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "STEP") || strings.Count(r.stdout, "\n") < 30 {
		t.Fatalf("-v shows no table\n%s", r)
	}
	r = run(t, env, "verify", "--db", u)
	mustCode(t, r, ExitOK)
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(r.stdout, "verify: converged, everything holds") {
		t.Fatalf("a converged verify: want one line\n%s", r)
	}
}

// TestStepsFits100Columns: -o wide for the dependencies and the whole
// descriptions.
func TestStepsFits100Columns(t *testing.T) {
	r := run(t, nil, "steps")
	mustCode(t, r, ExitOK)
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > stepsWidth {
			t.Fatalf("line of %d columns: %q", n, l)
		}
	}
	r = run(t, nil, "steps", "-o", "wide")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stdout, "AFTER") || !strings.Contains(r.stdout, "orgaccess:organization, orgaccess:register-models, table:organization_models") {
		t.Fatalf("-o wide lacks the dependencies\n%s", r)
	}
}

// TestSubcommandHelp: examples, the command's own flags, the global
// flags by group and by name only, the exit codes.
func TestSubcommandHelp(t *testing.T) {
	for _, cmd := range []string{"apply", "plan", "verify", "steps", "history", "demo"} {
		r := run(t, nil, cmd, "--help")
		mustCode(t, r, ExitOK)
		for _, want := range []string{"Examples:\n  ", "Global flags", "database:", "organization:", "Exit codes:", "  75  "} {
			if !strings.Contains(r.stdout, want) {
				t.Fatalf("%s --help lacks %q\n%s", cmd, want, r)
			}
		}
		if strings.Contains(r.stdout, "never printed or logged") {
			t.Fatalf("%s --help repeats the global flags' descriptions\n%s", cmd, r)
		}
	}
	r := run(t, nil, "--help")
	for _, want := range []string{"Global flags: database", "Global flags: organization", "Global flags: output and logs", "never printed or logged"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("--help lacks %q\n%s", want, r)
		}
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if utf8.RuneCountInString(l) > 100 {
			t.Fatalf("--help line over 100 columns: %q", l)
		}
	}
}

// TestErrorsForPeople: one line, no package prefixes, a hint where
// there is something to do.
func TestErrorsForPeople(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args       []string
		msg, hint  string
		wantCode   int
		forbidText string
	}{
		{[]string{"apply", "--db", sqliteURL(dir + "/x.db"), "--step", "nope"}, `error: no step has id "nope"`, "", ExitInvalid, "core:"},
		{[]string{"apply", "--db", "postgres://u:" + password + "@127.0.0.1:1/x"}, "error: cannot connect to postgres://u:***@127.0.0.1:1/x", "hint: the database did not answer: if it is still starting, let groundwork retry with --wait", ExitRetryable, "cli:"},
		{[]string{"apply", "--frobnicate"}, "error: unknown flag: --frobnicate", "hint: run 'groundwork --help' for usage", ExitInvalid, "invalid input"},
		{[]string{"apply"}, "error: no database given: set DATABASE_URL or --db", "hint: Open WebUI's DATABASE_URL", ExitInvalid, "cli:"},
	} {
		r := run(t, nil, tt.args...)
		mustCode(t, r, tt.wantCode)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if !strings.HasPrefix(lines[0], tt.msg) || strings.Contains(r.stderr, tt.forbidText) || strings.Contains(r.stderr, password) {
			t.Fatalf("%v: want %q, no %q\n%s", tt.args, tt.msg, tt.forbidText, r)
		}
		if tt.hint != "" && (len(lines) != 2 || !strings.HasPrefix(lines[1], tt.hint)) {
			t.Fatalf("%v: want one error line and the hint %q\n%s", tt.args, tt.hint, r)
		}
	}
}

// TestJSONLogsEveryLine: with --log-format json every line on stderr is
// one JSON object: logs, warnings, the error and its hint, cobra's own.
func TestJSONLogsEveryLine(t *testing.T) {
	u := sqliteURL(tempDB(t))
	for _, tt := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"apply", "--db", u, "--log-format", "json", "--log-level", "debug"}},                    // warning and logs
		{nil, []string{"apply", "--db", "postgres://u:p@127.0.0.1:1/x", "--log-format", "json"}},               // error and hint
		{nil, []string{"apply", "--bogus", "--log-format=json"}},                                               // cobra's error
		{map[string]string{"GROUNDWORK_LOG_FORMAT": "json"}, []string{"apply", "--lock-timeout", "soon"}},      // unresolved settings
		{map[string]string{"GROUNDWORK_LOG_FORMAT": "json", "OPENROUTER_API_KEY": apiKey}, []string{"verify"}}, // invalid input
	} {
		r := run(t, tt.env, tt.args...)
		if r.stderr == "" {
			t.Fatalf("%v: nothing on stderr\n%s", tt.args, r)
		}
		for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
				t.Fatalf("%v: stderr line is not a JSON log record (%v): %q\n%s", tt.args, err, l, r)
			}
		}
	}
}

// TestHistoryShow: one run, step by step; the no-op run has no plan hash.
func TestHistoryShow(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
	r := run(t, nil, "history", "show", "1", "--db", u)
	mustCode(t, r, ExitOK)
	for _, want := range []string{"run 1: apply converged, changed true", "table:client_organizations: applied", "  + create table client_organizations", "orgaccess:link-models: applied"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("history show 1 lacks %q\n%s", want, r)
		}
	}
	r = run(t, nil, "history", "show", "2", "--db", u, "-o", "json")
	mustCode(t, r, ExitOK)
	var run2 struct {
		PlanHash string `json:"plan_hash"`
		Steps    []any  `json:"steps"`
		Version  string `json:"version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &run2); err != nil || run2.PlanHash != "" || len(run2.Steps) != 0 || run2.Version == "" {
		t.Fatalf("history show 2 (the no-op run) (%v): %s", err, r.stdout)
	}
	r = run(t, nil, "history", "show", "9", "--db", u)
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "no run 9 is recorded") {
		t.Fatalf("%s", r)
	}
}

// TestDriftHint: apply ending with drift it will not heal says what a
// person can do.
func TestDriftHint(t *testing.T) {
	db := tempDB(t)
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
	d, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB().DB.Exec(`DROP TABLE global_settings; CREATE VIEW global_settings AS SELECT 1 AS id`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	r := run(t, demoEnv(nil), "apply", "--db", sqliteURL(db))
	mustCode(t, r, ExitDrift)
	if !strings.Contains(r.stdout, "drift: table:global_settings: a view has this name") ||
		!strings.Contains(r.stderr, "error: drift that groundwork will not heal") || !strings.Contains(r.stderr, "hint: fix the objects by hand") {
		t.Fatalf("%s", r)
	}
}

// TestVerifyBeforeTheHostIsRetryable: Open WebUI's tables missing, verify
// is not ready (exit 75), not "everything holds".
func TestVerifyBeforeTheHostIsRetryable(t *testing.T) {
	u := sqliteURL(tempDB(t))
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": apiKey}
	mustCode(t, run(t, env, "apply", "--db", u), ExitOK) // skips what needs the host, saying so
	r := run(t, env, "verify", "--db", u)
	mustCode(t, r, ExitRetryable)
	if strings.Contains(r.stdout, "everything holds") || !strings.Contains(r.stdout, "not ready") ||
		!strings.Contains(r.stderr, "error: not ready: Open WebUI has not created its tables yet") {
		t.Fatalf("%s", r)
	}
}
