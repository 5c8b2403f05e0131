//go:build integration

package kubernetes_test

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/examples/kubernetes"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// TestManifestsAcrossHostUpgradeOnPostgres is the rollout of an Open
// WebUI upgrade through the Deployment's commands, as the real binary,
// on PostgreSQL holding the older generation (v0.6.40): the old pods
// (every phase at the old head: the view is made), then the new pod's
// init container (its target is the next generation's head: the view is
// held back), the host's own migration (alembic's statements, which
// change the type of a column the view selects) while the after-host
// sidecar, started with the host, waits for it, then the probes. Every
// command exits 0, the migration goes through, the view is back.
// cmd/groundwork/internal/cli runs the same on SQLite.
func TestManifestsAcrossHostUpgradeOnPostgres(t *testing.T) {
	cmds, err := kubernetes.Load("../../examples/kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	find := func(where string) kubernetes.Command {
		t.Helper()
		c, ok := kubernetes.Find(cmds, where)
		if !ok {
			t.Fatalf("no command at %q", where)
		}
		return c
	}
	pre := find("Deployment/open-webui: initContainer groundwork")
	after := find("Deployment/open-webui: initContainer groundwork-after-host")
	startup := find("Deployment/open-webui: container app: startupProbe")
	ready := find("Deployment/open-webui: container app: readinessProbe")

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
	if err := openwebuitest.Load(ctx, db, "postgres", openwebuitest.V0_6_40); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	view := func() bool {
		t.Helper()
		var ok bool
		if err := db.QueryRowContext(ctx, `SELECT to_regclass('user_available_models') IS NOT NULL`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	exec := func(c kubernetes.Command, rev string) {
		t.Helper()
		r := testbin.Run(ctx, t, dir, environAt(dir, c.Env, dsn, rev), c.Args...)
		t.Logf("%s (host at %s): groundwork %s → exit %d\n%s%s", c.Where, rev, strings.Join(c.Args, " "), r.Code, r.Stdout, r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d", c.Where, r.Code)
		}
	}

	for _, c := range []kubernetes.Command{pre, after, startup, ready} {
		exec(c, packtest.RevV0_6_40)
	}
	if !view() {
		t.Fatal("the view is not there on the old version")
	}
	exec(pre, packtest.RevPK)
	if view() {
		t.Fatal("the pre-host phase left the view in the way of the host's migration")
	}
	exec(ready, packtest.RevV0_6_40) // an old replica stays ready

	sidecar := testbin.Command(ctx, t, dir, environAt(dir, after.Env, dsn, packtest.RevPK), after.Args...)
	sidecar.Start()
	if err := packtest.PostgresHostUpgrade(ctx, db); err != nil {
		sidecar.Kill()
		t.Fatalf("the host's own migration failed beside groundwork: %v", err)
	}
	r := sidecar.Wait()
	t.Logf("%s: groundwork %s → exit %d\n%s%s", after.Where, strings.Join(after.Args, " "), r.Code, r.Stdout, r.Stderr)
	if r.Code != 0 {
		t.Fatalf("%s: exit %d", after.Where, r.Code)
	}
	for _, c := range []kubernetes.Command{startup, ready} {
		exec(c, packtest.RevPK)
	}
	if !view() {
		t.Fatal("the view is not back after the after-host phase")
	}
}

// environAt is environ with the host's target set to rev, the head of
// the Open WebUI version the pod runs.
func environAt(home string, env map[string]string, dsn, rev string) []string {
	var out []string
	for k, v := range env {
		if k == "DATABASE_URL" {
			v = dsn
		}
		out = append(out, k+"="+v)
	}
	out = append(out, "GROUNDWORK_HOST_REVISION="+rev)
	sort.Strings(out)
	return testbin.Env(home, out...)
}
