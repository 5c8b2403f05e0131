//go:build integration

// Package privileges_test proves docs/privileges.md on PostgreSQL 15: it
// runs the document's SQL blocks as written, then shows that verify works
// read-only and that apply, missing a grant, fails with a clear message
// and writes nothing.
package privileges_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	testbin.Cleanup()
	os.Exit(code)
}

// The roles and passwords of docs/privileges.md.
const (
	applyRole      = "groundwork_apply"
	applyPassword  = "change-me"
	verifyRole     = "groundwork_verify"
	verifyPassword = "change-me-too"
	hostRole       = "openwebui"
	docPath        = "../../docs/privileges.md"
)

// docSQL returns the SQL block that follows the marker <!-- sql:name -->
// in docs/privileges.md, for database db.
func docSQL(t *testing.T, name, db string) string {
	t.Helper()
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- sql:" + name + " -->\\s*```sql\\n(.*?)```")
	m := re.FindSubmatch(raw)
	if m == nil {
		t.Fatalf("%s has no SQL block %q", docPath, name)
	}
	return strings.ReplaceAll(string(m[1]), "ON DATABASE openwebui", `ON DATABASE "`+db+`"`)
}

var (
	rolesOnce sync.Once
	rolesErr  error
	dbSeq     atomic.Int64
)

// hostDatabase creates a database with Open WebUI's tables owned by the
// role openwebui and some rows in them, revokes what PUBLIC may do there
// (so only the document's grants count), runs the document's role block
// once per server, and returns the database's name and a superuser
// connection to it.
func hostDatabase(t *testing.T) (*kit.Server, string, *pgx.Conn) {
	t.Helper()
	srv := kit.SharedPostgres(t)
	ctx := context.Background()
	db := fmt.Sprintf("gw_priv_%d", dbSeq.Add(1))
	if _, err := srv.CreateDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	admin := connect(t, srv.DSN(db))
	rolesOnce.Do(func() {
		for _, q := range []string{"CREATE ROLE " + hostRole, docSQL(t, "roles", db)} {
			if _, err := admin.Exec(ctx, q); err != nil {
				rolesErr = err
				return
			}
		}
	})
	if rolesErr != nil {
		t.Fatalf("roles: %v", rolesErr)
	}
	// The host tables, made by groundwork's opt-in step as the superuser,
	// then handed to Open WebUI's role; the history that run left is not
	// part of the picture.
	if r := run(t, srv.DSN(db), nil, "apply", "--include", "host:openwebui-tables", "--step", "host:openwebui-tables"); r.Code != 0 {
		t.Fatalf("host tables: %s", r)
	}
	mustExec(t, admin,
		`DROP TABLE groundwork_runs`,
		`ALTER TABLE "user" OWNER TO `+hostRole,
		`ALTER TABLE model OWNER TO `+hostRole,
		`ALTER TABLE config OWNER TO `+hostRole,
		`INSERT INTO "user" (id, name, email, role) VALUES
			('u1', 'Ada', 'ada@example.com', 'admin'), ('u2', 'Bob', 'bob@example.com', 'user'),
			('u3', 'Eve', 'eve@example.com', 'pending'), ('system', 'System', 'system@mai.local', 'admin')`,
		`REVOKE ALL ON DATABASE "`+db+`" FROM PUBLIC`,
		`REVOKE ALL ON SCHEMA public FROM PUBLIC`,
		// Open WebUI's own role uses the schema (foreign key checks
		// against its tables run as their owner).
		`GRANT USAGE, CREATE ON SCHEMA public TO `+hostRole,
	)
	return srv, db, admin
}

// grant runs the document's block name on db, then the extra statements.
func grant(t *testing.T, admin *pgx.Conn, name, db string, extra ...string) {
	t.Helper()
	mustExec(t, admin, append([]string{docSQL(t, name, db)}, extra...)...)
}

func roleURL(srv *kit.Server, role, password, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, password),
		Host: net.JoinHostPort(srv.Host(), srv.Port()), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

var orgEnv = []string{
	"OPENROUTER_EXTERNAL_USER=acme-dev",
	"ORGANIZATION_NAME=Acme Development",
	"OPENROUTER_API_KEY=sk-or-v1-privileges-test-key",
}

// snapshot is everything in the schema: each relation and its row count
// (tables), or its kind.
func snapshot(t *testing.T, admin *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	rows, err := admin.Query(ctx, `SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ name, kind string }
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.name, &r.kind); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	rows.Close()
	var b strings.Builder
	for _, r := range rels {
		fmt.Fprintf(&b, "%s(%s)", r.name, r.kind)
		if r.kind == "r" {
			var n int64
			if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM "`+r.name+`"`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "=%d", n)
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestDocumentedGrants: with exactly the document's grants, apply
// converges and stays converged, and the read-only verify role proves
// it, reads the history, and reports drift without touching it.
func TestDocumentedGrants(t *testing.T) {
	srv, db, admin := hostDatabase(t)
	grant(t, admin, "apply", db)
	grant(t, admin, "verify", db)
	applyURL := roleURL(srv, applyRole, applyPassword, db)
	verifyURL := roleURL(srv, verifyRole, verifyPassword, db)

	for i := range 2 {
		r := run(t, applyURL, orgEnv, "apply", "-o", "json")
		if r.Code != 0 {
			t.Fatalf("apply #%d as %s: %s", i+1, applyRole, r)
		}
		var rep core.Report
		if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Status != core.RunConverged || rep.Changed != (i == 0) {
			t.Fatalf("apply #%d: status %s, changed %t", i+1, rep.Status, rep.Changed)
		}
	}
	if n := queryInt(t, admin, `SELECT COUNT(*) FROM organization_members`); n != 2 {
		t.Errorf("%d members, want the 2 eligible users", n)
	}

	before := snapshot(t, admin)
	r := run(t, verifyURL, orgEnv, "verify")
	if r.Code != 0 {
		t.Fatalf("verify as %s: %s", verifyRole, r)
	}
	t.Logf("verify as %s (default_transaction_read_only = on):\n%s", verifyRole, r.Stdout)
	if after := snapshot(t, admin); after != before {
		t.Errorf("verify changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if r := run(t, verifyURL, nil, "history", "--limit", "5"); r.Code != 0 || !strings.Contains(r.Stdout, "apply") {
		t.Errorf("history as %s: %s", verifyRole, r)
	}
	// The probe cannot write, even by mistake.
	var ro string
	if err := connect(t, verifyURL).QueryRow(context.Background(), "SHOW default_transaction_read_only").Scan(&ro); err != nil || ro != "on" {
		t.Errorf("the verify role's transactions are not read-only: %q %v", ro, err)
	}

	// Drift: the probe names it and leaves it.
	mustExec(t, admin, `DROP INDEX idx_org_models_org_model`)
	before = snapshot(t, admin)
	r = run(t, verifyURL, orgEnv, "verify")
	if r.Code != 3 || !strings.Contains(r.Stdout, "idx_org_models_org_model") {
		t.Errorf("verify after dropping an index: %s", r)
	}
	if after := snapshot(t, admin); after != before {
		t.Errorf("verify changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if r := run(t, applyURL, orgEnv, "apply"); r.Code != 0 {
		t.Errorf("apply heals the drift: %s", r)
	}
}

// TestApplyWithoutCreateOnSchema: without CREATE on the schema, apply
// fails on its first step, says so and why, and writes nothing; in lease
// lock mode it fails the same way on the lease table, before any step.
func TestApplyWithoutCreateOnSchema(t *testing.T) {
	srv, db, admin := hostDatabase(t)
	grant(t, admin, "apply", db, `REVOKE CREATE ON SCHEMA public FROM `+applyRole)
	applyURL := roleURL(srv, applyRole, applyPassword, db)
	before := snapshot(t, admin)

	r := run(t, applyURL, orgEnv, "apply")
	t.Logf("%s", r)
	for _, want := range []string{
		"error: step table:client_organizations: apply: create table client_organizations: ERROR: permission denied for schema public (SQLSTATE 42501)\n",
		"hint: the database role lacks a privilege (SQLSTATE 42501): see docs/privileges.md for the grants apply and verify need\n",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if r.Code != 1 {
		t.Errorf("exit %d, want 1", r.Code)
	}
	if after := snapshot(t, admin); after != before {
		t.Errorf("apply wrote something:\nbefore %s\nafter  %s", before, after)
	}

	r = run(t, applyURL, orgEnv, "apply", "--lock-mode", "lease")
	t.Logf("%s", r)
	if want := `error: lock "groundwork": create the lease table groundwork_lock: ERROR: permission denied for schema public (SQLSTATE 42501)`; r.Code != 1 || !strings.Contains(r.Stderr, want) {
		t.Errorf("lease mode: exit %d, stderr lacks %q", r.Code, want)
	}
	if after := snapshot(t, admin); after != before {
		t.Errorf("apply in lease mode wrote something:\nbefore %s\nafter  %s", before, after)
	}
}

// TestApplyWithoutInsertOnModel: the step that needs the missing grant
// fails, naming itself and the table, and writes nothing; once granted,
// the next run resumes and converges.
func TestApplyWithoutInsertOnModel(t *testing.T) {
	srv, db, admin := hostDatabase(t)
	grant(t, admin, "apply", db, `REVOKE INSERT ON TABLE model FROM `+applyRole)
	applyURL := roleURL(srv, applyRole, applyPassword, db)

	r := run(t, applyURL, orgEnv, "apply")
	t.Logf("%s", r)
	want := regexp.MustCompile(`error: step orgaccess:register-models: apply: register 12 models from the built-in list: [^\n]+: ERROR: permission denied for table model \(SQLSTATE 42501\)\nhint: the database role lacks a privilege`)
	if r.Code != 1 || !want.MatchString(r.Stderr) {
		t.Errorf("exit %d, stderr does not match %s", r.Code, want)
	}
	if n := queryInt(t, admin, `SELECT COUNT(*) FROM model`); n != 0 {
		t.Errorf("%d model rows written by the failed step", n)
	}
	mustExec(t, admin, `GRANT INSERT ON TABLE model TO `+applyRole)
	if r := run(t, applyURL, orgEnv, "apply"); r.Code != 0 {
		t.Fatalf("apply after the grant: %s", r)
	}
	if n := queryInt(t, admin, `SELECT COUNT(*) FROM model`); n != 12 {
		t.Errorf("%d model rows after the grant, want 12", n)
	}
}

// TestVerifyWithoutGrants: a probe missing a grant fails with the
// server's reason, not a false "converged"; one without CONNECT cannot
// even log in, and says so.
func TestVerifyWithoutGrants(t *testing.T) {
	srv, db, admin := hostDatabase(t)
	grant(t, admin, "apply", db)
	grant(t, admin, "verify", db, `REVOKE SELECT ON TABLE config FROM `+verifyRole)
	if r := run(t, roleURL(srv, applyRole, applyPassword, db), orgEnv, "apply"); r.Code != 0 {
		t.Fatalf("apply: %s", r)
	}
	verifyURL := roleURL(srv, verifyRole, verifyPassword, db)
	r := run(t, verifyURL, orgEnv, "verify")
	t.Logf("%s", r)
	if r.Code != 1 || !strings.Contains(r.Stderr, "permission denied for table config (SQLSTATE 42501)") ||
		!strings.Contains(r.Stderr, "error: step orgaccess:register-models: check:") {
		t.Errorf("verify without SELECT on config: exit %d", r.Code)
	}

	mustExec(t, admin, `REVOKE CONNECT ON DATABASE "`+db+`" FROM `+verifyRole)
	r = run(t, verifyURL, orgEnv, "verify")
	t.Logf("%s", r)
	if want := `FATAL: permission denied for database "` + db + `" (SQLSTATE 42501)`; r.Code != 1 || !strings.Contains(r.Stderr, want) ||
		!strings.Contains(r.Stderr, "hint: the database role lacks a privilege") {
		t.Errorf("verify without CONNECT: exit %d, stderr lacks %q and the hint", r.Code, want)
	}
	if strings.Contains(r.Stdout+r.Stderr, verifyPassword) {
		t.Errorf("the password is shown")
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func mustExec(t *testing.T, conn *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42710" { // duplicate_object: a role made by an earlier test
				continue
			}
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func queryInt(t *testing.T, conn *pgx.Conn, q string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// run runs the binary on database URL u in a fresh directory with only
// PATH, HOME and env in its environment.
func run(t *testing.T, u string, env []string, args ...string) testbin.Result {
	t.Helper()
	dir := t.TempDir()
	return testbin.Run(context.Background(), t, dir, testbin.Env(dir, append([]string{"DATABASE_URL=" + u}, env...)...), args...)
}
