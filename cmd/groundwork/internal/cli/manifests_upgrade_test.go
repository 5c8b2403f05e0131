package cli

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/examples/kubernetes"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// TestKubernetesManifestsAcrossHostUpgrade runs the manifests' commands
// in the order a rollout runs them across a real Open WebUI upgrade, on
// an SQLite file of the older generation (v0.6.40): the old version's
// pods first (every phase, at the old head: the view is made), then the
// new version's: its pre-host command (the host's target is the next
// generation's head, so the view is held back), the host's own
// migration (the statements alembic runs, which rebuild user and model:
// they fail on SQLite while a view names those tables), its after-host
// command, started with the host and waiting for it, then its probes.
// Every command exits 0, the host's migration goes through, and the view
// is there at the end. For the Deployment (init container, native
// sidecar) and for Argo CD (sync Job, PostSync Job).
// integration/kubernetes runs the same on PostgreSQL.
func TestKubernetesManifestsAcrossHostUpgrade(t *testing.T) {
	cmds, err := kubernetes.Load(manifestsDir)
	if err != nil {
		t.Fatal(err)
	}
	find := func(where string) kubernetes.Command {
		t.Helper()
		c, ok := kubernetes.Find(cmds, where)
		if !ok {
			t.Fatalf("no command at %q in %s", where, manifestsDir)
		}
		return c
	}
	startup := find("Deployment/open-webui: container app: startupProbe")
	ready := find("Deployment/open-webui: container app: readinessProbe")
	for _, tc := range []struct{ name, pre, after string }{
		{"Deployment", "Deployment/open-webui: initContainer groundwork", "Deployment/open-webui: initContainer groundwork-after-host"},
		{"ArgoCD", "argocd.yaml: Job/groundwork-sync: container groundwork", "argocd.yaml: Job/groundwork-after-host: container groundwork"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pre, after := find(tc.pre), find(tc.after)
			path := filepath.Join(t.TempDir(), "webui.db")
			host := hostSQLite(t, path)
			if err := openwebuitest.Load(context.Background(), host, "sqlite", openwebuitest.V0_6_40); err != nil {
				t.Fatal(err)
			}
			url := sqliteURL(path)
			exec := func(c kubernetes.Command, rev string) {
				t.Helper()
				r := run(t, withDB(c, url, rev), c.Args...)
				t.Logf("%s (host at %s): groundwork %s → exit %d\n%s%s", c.Where, rev, strings.Join(c.Args, " "), r.code, r.stdout, r.stderr)
				mustCode(t, r, ExitOK)
			}

			// The old version's pods, at the old head: the view is made.
			for _, c := range []kubernetes.Command{pre, after, startup, ready} {
				exec(c, packtest.RevV0_6_40)
			}
			if !sqliteViewExists(t, host) {
				t.Fatal("the view is not there on the old version")
			}

			// The new version: its pre-host phase holds the view back for
			// the host's migration; an old replica's probe stays ready.
			exec(pre, packtest.RevPK)
			if sqliteViewExists(t, host) {
				t.Fatal("the pre-host phase left the view in the way of the host's migration")
			}
			exec(ready, packtest.RevV0_6_40)

			// The host migrates while its after-host command waits for it.
			done := make(chan result, 1)
			go func() { done <- run(t, withDB(after, url, packtest.RevPK), after.Args...) }()
			if err := packtest.SQLiteHostUpgrade(context.Background(), host); err != nil {
				<-done
				t.Fatalf("the host's own migration failed beside groundwork: %v", err)
			}
			r := <-done
			t.Logf("%s: groundwork %s → exit %d\n%s%s", after.Where, strings.Join(after.Args, " "), r.code, r.stdout, r.stderr)
			mustCode(t, r, ExitOK)

			for _, c := range []kubernetes.Command{startup, ready} {
				exec(c, packtest.RevPK)
			}
			if !sqliteViewExists(t, host) {
				t.Fatal("the view is not back after the after-host phase")
			}
			var rev string
			if err := host.QueryRow(`SELECT version_num FROM alembic_version`).Scan(&rev); err != nil || rev != packtest.RevPK {
				t.Fatalf("the host is at %q (%v), want %s", rev, err, packtest.RevPK)
			}
		})
	}
}

// withDB is c's environment with DATABASE_URL replaced and the host's
// target set: in the application's image groundwork reads it from Open
// WebUI's migrations, here it is the generation the pod runs.
func withDB(c kubernetes.Command, url, rev string) map[string]string {
	env := maps.Clone(c.Env)
	env["DATABASE_URL"] = url
	env["GROUNDWORK_HOST_REVISION"] = rev
	return env
}

// hostSQLite opens the file as Open WebUI does: no PRAGMA foreign_keys,
// legacy_alter_table off (SQLite's default), a 5 s busy timeout, one
// connection.
func hostSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func sqliteViewExists(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'user_available_models'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}
