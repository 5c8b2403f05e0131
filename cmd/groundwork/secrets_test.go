package main_test

// The secrets invariant (BRIEF #6) across the whole command line: an API
// key and a database password are handed to every command — through the
// environment, flags, the config file, the URL — on success and on every
// kind of failure, with debug logs in both formats and the JSON report;
// neither secret, in any usual encoding, may show in stdout, stderr or
// the run-history table. The binary is built once (testbin).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read the history table
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", to damage and read the file

	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// sxChecker holds the secrets and every text that must not show them.
type sxChecker struct {
	t        *testing.T
	dir      string
	env      []string // the base environment of every run
	secrets  map[string][]string
	runs     *int
	commands map[string]bool
}

// The log and output settings each command runs with: debug logs as text
// with the text output, and as JSON with the JSON report.
var sxFormats = [][]string{
	{"--log-level", "debug", "--log-format", "text"},
	{"--log-level", "debug", "--log-format", "json", "--output", "json"},
}

// TestSecretsEveryCommand: every command, every way in for a secret,
// every failure; the secrets show nowhere.
func TestSecretsEveryCommand(t *testing.T) {
	c := sxSetup(t)
	apiKey, password := c.secret("API key"), c.secret("URL password")
	orgEnv := []string{"OPENROUTER_EXTERNAL_USER=acme-dev", "ORGANIZATION_NAME=Acme Dev", "OPENROUTER_API_KEY=" + apiKey}
	closed := sxClosedPort(t)
	pgURL := func(pw string, port int) string {
		return (&url.URL{Scheme: "postgres", User: url.UserPassword("gw", pw), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			Path: "/postgres", RawQuery: "sslmode=disable"}).String()
	}
	db := "sqlite://gw.db"

	// SQLite: every command, twice each (text and JSON), with the key in
	// the environment.
	c.each(orgEnv, 0, "version")
	c.each(orgEnv, 0, "steps")
	c.each(orgEnv, 3, "plan", "--db", db, "--include", "host:openwebui-tables")
	c.each(orgEnv, 0, "apply", "--db", db, "--include", "host:openwebui-tables")
	c.each(orgEnv, 0, "verify", "--db", db)
	c.each(orgEnv, 0, "history", "--db", db)
	c.each(orgEnv, 0, "demo", "--db", "demo.db")
	if got := sxQuery(t, "sqlite", filepath.Join(c.dir, "gw.db"), "SELECT openrouter_api_key FROM client_organizations"); got != apiKey+"\n" {
		t.Fatalf("the API key did not reach the database (%q): the test would prove nothing", got)
	}
	// The key by flag and by config file, the run converged.
	c.each(nil, 0, "apply", "--db", db, "--org-id", "acme-dev", "--org-name", "Acme Dev", "--api-key", apiKey)
	c.writeFile("key.yaml", "org-id: acme-dev\norg-name: Acme Dev\napi-key: "+sxYAML(apiKey)+"\n")
	c.each(nil, 0, "verify", "--db", db, "--config", "key.yaml")

	// Drift: an index dropped behind groundwork's back; verify and plan
	// exit 3, apply heals it.
	sxExec(t, "sqlite", filepath.Join(c.dir, "gw.db"), `DROP INDEX "idx_org_members_user_active"`)
	c.each(orgEnv, 3, "verify", "--db", db)
	c.each(orgEnv, 3, "plan", "--db", db)
	c.run(orgEnv, 0, append([]string{"apply", "--db", db}, sxFormats[1]...)...)

	// A failing step, recorded in the history: a second organization with
	// the same key is refused.
	other := []string{"OPENROUTER_EXTERNAL_USER=other-org", "ORGANIZATION_NAME=Other", "OPENROUTER_API_KEY=" + apiKey}
	c.each(other, 2, "apply", "--db", db)

	// Bad input, found before anything is written: URLs with the password,
	// a config file with the key, unknown flags.
	c.each(orgEnv, 2, "apply", "--db", "postgres://gw:"+url.UserPassword("gw", password).String()[len("gw:"):]+"@db.example:99999/app")
	c.each(orgEnv, 2, "verify", "--db", "postgres://gw:"+url.UserPassword("gw", password).String()[len("gw:"):]+"@[::1/app")
	c.each(append(orgEnv, "DATABASE_URL=postgresql+psycopg2://gw:"+url.UserPassword("gw", password).String()[len("gw:"):]+"@127.0.0.1:notaport/app"), 2, "apply")
	c.writeFile("unknown.yaml", "api-key: "+sxYAML(apiKey)+"\ndb: "+sxYAML(pgURL(password, closed))+"\nbogus-key: 1\n")
	c.each(nil, 2, "apply", "--config", "unknown.yaml")
	c.writeFile("broken.yaml", "api-key: "+sxYAML(apiKey)+"\ndb: "+sxYAML(pgURL(password, closed))+"\nwait: [\n")
	c.each(nil, 2, "verify", "--config", "broken.yaml")
	c.each(orgEnv, 2, "apply", "--db", pgURL(password, closed), "--bogus-flag")
	c.each(orgEnv, 2, "history", "--db", pgURL(password, closed), "--limit", "0")

	// An unreachable server: once, then retried with --wait.
	c.each(orgEnv, 75, "apply", "--db", pgURL(password, closed))
	c.each(append(orgEnv, "GROUNDWORK_DB="+pgURL(password, closed)), 75, "verify", "--wait", "700ms")
	c.each(orgEnv, 75, "history", "--db", pgURL(password, closed))
	c.each(orgEnv, 75, "plan", "--db", "mysql://gw:"+url.UserPassword("gw", password).String()[len("gw:"):]+"@127.0.0.1:"+strconv.Itoa(closed)+"/app")
	c.writeFile("pg.yaml", "db: "+sxYAML(pgURL(password, closed))+"\napi-key: "+sxYAML(apiKey)+"\norg-id: x\norg-name: y\n")
	c.each(nil, 75, "plan", "--config", "pg.yaml")
	if r := c.run(orgEnv, 75, "apply", "--db", pgURL(password, closed)); !strings.Contains(r.Stderr, "gw:***@127.0.0.1") {
		t.Fatalf("the unreachable server's URL is not shown masked:\n%s", r)
	}

	// The history tables of both SQLite files, through the CLI and raw.
	for _, file := range []string{"gw.db", "demo.db"} {
		c.each(nil, 0, "history", "--db", "sqlite://"+file)
		runs := sxQuery(t, "sqlite", filepath.Join(c.dir, file), "SELECT * FROM groundwork_runs")
		c.check("groundwork_runs in "+file, runs)
		if file == "gw.db" && !strings.Contains(runs, "failed") {
			t.Fatalf("the failed run is not in the history of %s:\n%s", file, runs)
		}
	}

	t.Run("PostgreSQL", func(t *testing.T) {
		// A throwaway server from the host's programs that checks
		// passwords; without them this half skips (the unreachable-server
		// runs above cover the output).
		port := hostpg.Require(t, hostpg.WithPassword("gw", password)).Port
		wrong := c.secret("wrong password")
		u := pgURL(password, port)
		c := c.with(t)
		c.each(orgEnv, 3, "plan", "--db", u, "--include", "host:openwebui-tables", "--wait", "10s")
		c.each(orgEnv, 0, "apply", "--db", u, "--include", "host:openwebui-tables")
		c.each(append(orgEnv, "DATABASE_URL="+u), 0, "verify")
		c.each(orgEnv, 0, "history", "--db", u)
		c.each(orgEnv, 0, "steps", "--db", u)
		c.each(other, 2, "apply", "--db", u)
		sxExec(t, "pgx", u, `DROP INDEX "idx_org_models_org_active"`)
		c.each(orgEnv, 3, "verify", "--db", u)
		c.each(orgEnv, 1, "apply", "--db", pgURL(wrong, port))
		c.each(orgEnv, 1, "verify", "--db", pgURL(wrong, port), "--wait", "700ms")
		c.each(orgEnv, 1, "history", "--db", pgURL(wrong, port))
		runs := sxQuery(t, "pgx", u, "SELECT CAST(r.* AS text) FROM groundwork_runs r")
		c.check("groundwork_runs on PostgreSQL", runs)
		if strings.Count(runs, "\n") < 3 || !strings.Contains(runs, "failed") {
			t.Fatalf("want the applies, one failed, in the history:\n%s", runs)
		}
	})
	t.Logf("%d runs of the binary, commands %v: no secret shown", *c.runs, sxKeys(c.commands))
	for _, cmd := range []string{"apply", "plan", "verify", "steps", "history", "demo", "version"} {
		if !c.commands[cmd] {
			t.Errorf("command %s was not run", cmd)
		}
	}
}

// with is c for a subtest: the same secrets, binary, directory and tally.
func (c *sxChecker) with(t *testing.T) *sxChecker {
	sub := *c
	sub.t = t
	return &sub
}

// sxSetup makes the working directory of the runs.
func sxSetup(t *testing.T) *sxChecker {
	t.Helper()
	dir := t.TempDir()
	return &sxChecker{t: t, dir: dir, secrets: map[string][]string{}, commands: map[string]bool{}, runs: new(int),
		env: testbin.Env(dir, "TMPDIR="+os.TempDir())}
}

// secret makes a secret with characters that every encoding spells
// differently, and registers the spellings to look for.
func (c *sxChecker) secret(what string) string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		c.t.Fatal(err)
	}
	r := hex.EncodeToString(b)
	s := "sk-or-v1-" + r[:8] + "/Qx+7=Zr?9&Wk%é:@" + r[8:]
	if what != "API key" {
		s = "Pw" + r[:8] + ":/@#?&=%+é Zq" + r[8:]
	}
	c.secrets[what] = sxSpellings(s)
	return s
}

// sxSpellings are the forms a secret can leak in: as is, URL-escaped
// every way, base64 and hex, JSON-escaped, and each run of 12 bytes of it
// (a truncated or partly masked secret is still a leak; the random part
// makes a run that happens to be in other text unlikely).
func sxSpellings(s string) []string {
	out := []string{s, url.PathEscape(s), url.QueryEscape(s), strings.TrimPrefix(url.UserPassword("", s).String(), ":"),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)),
		base64.RawStdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
		hex.EncodeToString([]byte(s))}
	if j, err := json.Marshal(s); err == nil {
		out = append(out, strings.Trim(string(j), `"`))
	}
	for _, e := range out[1:4] {
		out = append(out, strings.ToLower(e)) // %2F as %2f
	}
	for i := 0; i+12 <= len(s); i++ {
		out = append(out, s[i:i+12])
	}
	return out
}

// check fails when text shows a spelling of a secret.
func (c *sxChecker) check(what, text string) {
	c.t.Helper()
	for name, spellings := range c.secrets {
		for _, s := range spellings {
			if strings.Contains(text, s) {
				c.t.Fatalf("%s shows the %s (as %q):\n%s", what, name, s, text)
			}
		}
	}
}

// each runs args once per output format (sxFormats) and checks both.
func (c *sxChecker) each(env []string, code int, args ...string) {
	c.t.Helper()
	for _, f := range sxFormats {
		c.run(env, code, append(append([]string{}, args...), f...)...)
	}
}

// run runs the binary in the test's directory with the base environment
// plus env, checks the exit code and that the output shows no secret.
func (c *sxChecker) run(env []string, code int, args ...string) testbin.Result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := testbin.Run(ctx, c.t, c.dir, append(append([]string{}, c.env...), env...), args...)
	*c.runs++
	c.commands[args[0]] = true
	// The arguments hold the secrets on purpose: only the output is checked.
	c.check(fmt.Sprintf("groundwork %s (exit %d)", args[0], r.Code), "--- stdout\n"+r.Stdout+"--- stderr\n"+r.Stderr)
	if r.Code != code {
		c.t.Fatalf("exit %d, want %d\n%s", r.Code, code, r)
	}
	if sxHas(args, "--output") && r.Stdout != "" && !json.Valid([]byte(r.Stdout)) {
		c.t.Fatalf("--output json printed no JSON\n%s", r)
	}
	return r
}

func sxHas(args []string, s string) bool {
	for _, a := range args {
		if a == s {
			return true
		}
	}
	return false
}

func (c *sxChecker) writeFile(name, text string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(text), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// sxYAML quotes s as a YAML double-quoted scalar (JSON's escapes are
// YAML's).
func sxYAML(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func sxKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sxClosedPort is a loopback port nothing listens on.
func sxClosedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// sxExec runs a statement through database/sql.
func sxExec(t *testing.T, driver, dsn, q string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sxQuery returns every row of a query, one line each.
func sxQuery(t *testing.T, driver, dsn, q string) string {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprint(&b, v)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
