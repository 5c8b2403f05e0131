//go:build integration

// Package kubernetes_test runs every groundwork command of
// examples/kubernetes, with its container's environment, through the real
// binary against PostgreSQL 15 holding Open WebUI's real schema; only
// DATABASE_URL is replaced. The unit test in cmd/groundwork/internal/cli
// runs the same on SQLite.
package kubernetes_test

import (
	"context"
	"database/sql"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/groundworkdb/groundwork/examples/kubernetes"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	_ = kit.TerminateShared()
	os.Exit(code)
}

func TestManifestsOnPostgres(t *testing.T) {
	cmds, err := kubernetes.Load("../../examples/kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) < 5 {
		t.Fatalf("%d groundwork commands in the manifests, want at least 5", len(cmds))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv := kit.SharedPostgres(t)
	dsn, err := srv.CreateDatabase(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := openwebuitest.LoadSchema(ctx, db, "postgres", "v0.10.2"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var probe kubernetes.Command
	for _, c := range cmds {
		r := testbin.Run(ctx, t, dir, environ(dir, c.Env, dsn), c.Args...)
		t.Logf("%s: groundwork %s → exit %d\n%s%s", c.Where, strings.Join(c.Args, " "), r.Code, r.Stdout, r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d", c.Where, r.Code)
		}
		if c.Probe && strings.Contains(c.Where, "readinessProbe") {
			probe = c
		}
	}
	var view bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('user_available_models') IS NOT NULL`).Scan(&view); err != nil || !view {
		t.Fatalf("the view is not there after the manifests' commands (%t, %v)", view, err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM organization_models; DELETE FROM organization_members; DELETE FROM client_organizations`); err != nil {
		t.Fatal(err)
	}
	if r := testbin.Run(ctx, t, dir, environ(dir, probe.Env, dsn), probe.Args...); r.Code == 0 {
		t.Fatalf("the readiness probe passes with the organization deleted\n%s", r.Stdout)
	}
}

// environ is the container's environment for the binary, DATABASE_URL
// replaced by the test database.
func environ(home string, env map[string]string, dsn string) []string {
	var out []string
	for k, v := range env {
		if k == "DATABASE_URL" {
			v = dsn
		}
		out = append(out, k+"="+v)
	}
	// In the application's image groundwork reads the host's target from
	// Open WebUI's migrations; here the fixture is at its head.
	out = append(out, "GROUNDWORK_HOST_REVISION=current")
	sort.Strings(out)
	return testbin.Env(home, out...)
}
