//go:build integration

package scenarios_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the MariaDB admin connection

	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// badEnv is malformed environment that must be refused before anything is
// written, with exit 2 and a message naming the variable.
var badEnv = []struct{ name, value string }{
	{"GROUNDWORK_LOCK_TIMEOUT", "abc"},
	{"GROUNDWORK_LOCK_TIMEOUT", "-5s"},
	{"GROUNDWORK_MODELS", "openai/gpt-4.1,,x-ai/grok-4"},
	{"GROUNDWORK_ENV", "staging"},
	{"GROUNDWORK_OUTPUT", "xml"},
	{"GROUNDWORK_NO_NAME_HEURISTIC", "maybe"},
	{"GROUNDWORK_HOST_WAIT", "forever"},
	{"GROUNDWORK_DB", "postgres://groundwork@127.0.0.1:99999999/app"},
	{"GROUNDWORK_DB", "sqlite://"},
}

// TestBadInput: malformed settings, unreachable or unknown databases, a
// wrong password and a read-only role get clear errors and the documented
// exit codes, and nothing is written.
func TestBadInput(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		db := hostDB(t, tg)
		d := db.Open(t)
		before := takeSnapshot(t, d)
		nothingWritten := func(t *testing.T, what string) {
			t.Helper()
			if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
				t.Fatalf("%s wrote to the database: %v", what, problems)
			}
		}

		for _, e := range badEnv {
			for _, mode := range []string{"apply", "verify"} {
				r := groundwork(t, with(orgEnv(db), e.name, e.value), mode)
				mustExit(t, r, 2)
				if !strings.Contains(r.Stderr, e.name) {
					t.Errorf("%s=%q: the error does not name the variable:\n%s", e.name, e.value, r)
				}
				nothingWritten(t, e.name+"="+e.value)
			}
		}
		t.Logf("measure: bad input %s: %d malformed environment values × apply/verify → exit 2 naming the variable, nothing written", tg.Name(), len(badEnv))

		// The API key of another organization is refused, and nothing of
		// the data is written; the refused run is recorded in
		// groundwork_runs (the only write).
		conv := convergedDB(t, tg)
		cd := conv.Open(t)
		cbefore := takeSnapshot(t, cd)
		r := groundwork(t, with(orgEnv(conv), orgaccess.EnvOrgID, "another-org"), "apply")
		mustExit(t, r, 2)
		if !strings.Contains(r.Stderr, "acme-dev already uses this "+orgaccess.EnvAPIKey) {
			t.Errorf("the error does not say which organization has the key:\n%s", r)
		}
		if problems := unchanged(cbefore, takeSnapshot(t, cd).without(history.TableName)); len(problems) > 0 {
			t.Fatalf("a refused key wrote: %v", problems)
		}

		if tg.Dialect() == "sqlite" {
			badSQLite(t)
		} else {
			badServer(t, tg, db, nothingWritten)
		}
	})
}

// badSQLite: a directory that does not exist; a read-only command on a
// file that does not exist (it reports the work to do and leaves no file).
func badSQLite(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-dir", "app.db")
	env := with(map[string]string{}, "GROUNDWORK_DB", kit.SQLiteURL(missing), orgaccess.EnvOrgID, orgID, orgaccess.EnvOrgName, orgName, orgaccess.EnvAPIKey, apiKey)
	r := groundwork(t, env, "apply")
	mustExit(t, r, 1)
	if !strings.Contains(r.Stderr, "does not exist") {
		t.Errorf("the error does not say the directory is missing:\n%s", r)
	}
	file := filepath.Join(dir, "app.db")
	r = groundwork(t, with(env, "GROUNDWORK_DB", kit.SQLiteURL(file)), "verify")
	mustExit(t, r, 3)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("verify on a missing file left %s behind (%v)", file, err)
	}
	t.Logf("measure: bad input sqlite: missing directory → exit 1; verify of a missing file → exit 3, no file created")
}

var roleSeq atomic.Int64

// badServer: an unreachable port, a wrong password, an unknown database,
// and a role that may only read.
func badServer(t *testing.T, tg kit.Target, db *kit.Database, nothingWritten func(*testing.T, string)) {
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	at := func(mod func(*url.URL)) string {
		c := *u
		mod(&c)
		return c.String()
	}
	base := orgEnv(db)

	// Unreachable: a port on 127.0.0.1 that nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	unreachable := at(func(c *url.URL) { c.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(closed)) })
	r := groundwork(t, with(base, "GROUNDWORK_DB", unreachable), "apply")
	mustExit(t, r, 75) // retry later
	if !strings.Contains(r.Stderr, "cannot connect") || !strings.Contains(r.Stderr, strconv.Itoa(closed)) {
		t.Errorf("unreachable server: unclear error:\n%s", r)
	}

	// The server's words for a refused password and a missing database,
	// and where it lists databases.
	refused, missingDB, databases := "password authentication failed", "does not exist", "SELECT COUNT(*) FROM pg_database WHERE datname = ?"
	if tg.Dialect() == "mysql" {
		// A user without global privileges is told it may not use the
		// database, rather than that it does not exist.
		refused, missingDB, databases = "Access denied", "Access denied for user", "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?"
	}

	// A wrong password: refused by the server, never shown.
	const wrong = "wrong-Password-9c2e"
	r = groundwork(t, with(base, "GROUNDWORK_DB", at(func(c *url.URL) { c.User = url.UserPassword(c.User.Username(), wrong) })), "apply")
	mustExit(t, r, 1)
	if !strings.Contains(r.Stderr, refused) || strings.Contains(r.Stdout+r.Stderr, wrong) {
		t.Errorf("wrong password: unclear error, or the password shown:\n%s", r)
	}
	nothingWritten(t, "a wrong password")

	// An unknown database: not created.
	const unknown = "gw_no_such_database"
	r = groundwork(t, with(base, "GROUNDWORK_DB", at(func(c *url.URL) { c.Path = "/" + unknown })), "apply")
	mustExit(t, r, 1)
	if !strings.Contains(r.Stderr, unknown) || !strings.Contains(r.Stderr, missingDB) {
		t.Errorf("unknown database: unclear error:\n%s", r)
	}
	d := db.Open(t)
	if n := count(t, d, databases, unknown); n != 0 {
		t.Errorf("database %s was created", unknown)
	}
	t.Logf("measure: bad input %s: closed port → exit 1, wrong password → exit 1 (masked), unknown database → exit 1, nothing written", tg.Name())

	readOnlyRole(t, tg)
}

// readOnlyRole: a role that may only read (PostgreSQL: CONNECT, USAGE
// and SELECT; MariaDB: SELECT on the database). verify works (exit 0 on a
// converged database); apply with work to do fails at the first step that
// must write, naming it, and writes nothing.
func readOnlyRole(t *testing.T, tg kit.Target) {
	ctx := context.Background()
	db := convergedDB(t, tg)
	d := db.Open(t)
	role := fmt.Sprintf("gw_reader_%d_%d", os.Getpid(), roleSeq.Add(1))
	const password = "reader-Secret-41d7"
	// DDL takes no bound parameters; the role name and password are
	// constants of this test.
	var roURL string
	if tg.Dialect() == "mysql" {
		srv := kit.SharedMariaDB(t)
		admin, err := sql.Open("mysql", srv.AdminDSN())
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		for _, q := range []string{
			"CREATE USER '" + role + "'@'%' IDENTIFIED BY '" + password + "'",
			"GRANT SELECT, SHOW VIEW ON " + d.Quote(db.Name) + ".* TO '" + role + "'@'%'",
		} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		u, _ := url.Parse(db.URL)
		u.User = url.UserPassword(role, password)
		roURL = u.String()
	} else {
		for _, q := range []string{
			"CREATE ROLE " + d.Quote(role) + " LOGIN PASSWORD '" + password + "'",
			"GRANT CONNECT ON DATABASE " + d.Quote(db.Name) + " TO " + d.Quote(role),
			"GRANT USAGE ON SCHEMA public TO " + d.Quote(role),
			"GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + d.Quote(role),
		} {
			if err := execSQL(ctx, d, q); err != nil {
				t.Fatal(err)
			}
		}
		roURL = kit.SharedPostgres(t).DSNAs(role, password, db.Name)
	}
	env := with(orgEnv(db), "GROUNDWORK_DB", roURL)
	r := groundwork(t, env, "verify")
	mustExit(t, r, 0)

	// Work to do: an index dropped and a link deleted behind its back.
	if err := dropIndex(ctx, d, "idx_org_models_org_active"); err != nil {
		t.Fatal(err)
	}
	if err := execSQL(ctx, d, "DELETE FROM organization_models WHERE model_id = ?", orgaccess.BuiltinModels[0]); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, d)
	mustExit(t, groundwork(t, env, "verify"), 3)
	r = groundwork(t, env, "apply")
	mustExit(t, r, 1)
	if !strings.Contains(r.Stderr, "index:idx_org_models_org_active") || !containsAny(r.Stderr, "must be owner", "permission denied", "command denied") {
		t.Errorf("read-only apply: the error does not name the step and the missing privilege:\n%s", r)
	}
	if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
		t.Fatalf("a read-only apply wrote: %v", problems)
	}
	t.Logf("measure: bad input %s: read-only role: verify exit 0 (converged) / 3 (work to do); apply exit 1: %s; nothing written", tg.Name(), errorLine(r.Stderr))
}

// errorLine is the "error: …" line of a run's stderr.
func errorLine(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "error: ") {
			return line
		}
	}
	return lastLine(stderr)
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
