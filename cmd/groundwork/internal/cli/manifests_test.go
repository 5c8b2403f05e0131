package cli

import (
	"context"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/examples/kubernetes"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

const manifestsDir = "../../../../examples/kubernetes"

// openwebuiGeneration is the Open WebUI schema the manifests run
// against: the newest generation of the fixtures.
const openwebuiGeneration = "v0.10.2"

// TestKubernetesManifests runs every groundwork command of
// examples/kubernetes, with the environment its container gets, on an
// SQLite file holding a real Open WebUI schema (openwebuiGeneration) (DATABASE_URL is
// the one thing replaced). Every command exits 0; then, with the
// organization's rows deleted, the readiness probe fails: it checks
// something real. integration/kubernetes runs the same on PostgreSQL.
func TestKubernetesManifests(t *testing.T) {
	cmds, err := kubernetes.Load(manifestsDir)
	if err != nil {
		t.Fatal(err)
	}
	checkManifestShape(t, cmds)

	path := filepath.Join(t.TempDir(), "webui.db")
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := openwebuitest.LoadSchema(context.Background(), d.DB().DB, "sqlite", openwebuiGeneration); err != nil {
		t.Fatal(err)
	}
	url := sqliteURL(path)
	var probe kubernetes.Command
	for _, c := range cmds {
		env := maps.Clone(c.Env)
		env["DATABASE_URL"] = url
		// In the application's image groundwork reads the host's target
		// from Open WebUI's migrations; here the fixture is at its head.
		env["GROUNDWORK_HOST_REVISION"] = "current"
		r := run(t, env, c.Args...)
		t.Logf("%s: groundwork %s → exit %d\n%s%s", c.Where, strings.Join(c.Args, " "), r.code, r.stdout, r.stderr)
		mustCode(t, r, ExitOK)
		if c.Probe && strings.Contains(c.Where, "readinessProbe") {
			probe = c
		}
	}

	// Both phases ran: nothing is held back, the view is there.
	var views int
	if err := d.DB().DB.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'user_available_models'`).Scan(&views); err != nil || views != 1 {
		t.Fatalf("the view is not there after the manifests' commands (%d, %v)", views, err)
	}

	// Problem 1 of issue 15: with every organization row gone, the
	// documented probe must fail, not say "everything holds".
	if _, err := d.DB().DB.Exec(`DELETE FROM organization_models; DELETE FROM organization_members; DELETE FROM client_organizations`); err != nil {
		t.Fatal(err)
	}
	env := maps.Clone(probe.Env)
	env["DATABASE_URL"] = url
	r := run(t, env, probe.Args...)
	t.Logf("after deleting the organization: groundwork %s → exit %d\n%s", strings.Join(probe.Args, " "), r.code, r.stdout)
	if r.code == ExitOK {
		t.Fatalf("the readiness probe passes with the organization deleted\n%s", r)
	}
}

// checkManifestShape: the recipes the README promises are there, and the
// probes get the same environment as the init container that applies.
func checkManifestShape(t *testing.T, cmds []kubernetes.Command) {
	t.Helper()
	find := func(where string) *kubernetes.Command {
		for i := range cmds {
			if strings.HasSuffix(cmds[i].Where, where) {
				return &cmds[i]
			}
		}
		t.Fatalf("no command at %q in %s; found %d commands", where, manifestsDir, len(cmds))
		return nil
	}
	init := find("Deployment/open-webui: initContainer groundwork")
	startup := find("Deployment/open-webui: container app: startupProbe")
	ready := find("Deployment/open-webui: container app: readinessProbe")
	job := find("job.yaml: Job/groundwork: container groundwork")
	sync := find("argocd.yaml: Job/groundwork-sync: container groundwork")
	sidecar := find("Deployment/open-webui: initContainer groundwork-after-host")
	postSync := find("argocd.yaml: Job/groundwork-after-host: container groundwork")
	for _, c := range []*kubernetes.Command{init, job, sync, sidecar, postSync} {
		if c.Args[0] != "apply" {
			t.Errorf("%s runs %v, want apply", c.Where, c.Args)
		}
	}
	for _, c := range []*kubernetes.Command{sidecar, postSync} {
		if !slices.Contains(c.Args, "--after-host") {
			t.Errorf("%s runs %v, want the after-host phase", c.Where, c.Args)
		}
		if !reflect.DeepEqual(c.Env, init.Env) {
			t.Errorf("%s has environment %v, the init container %v", c.Where, keys(c.Env), keys(init.Env))
		}
	}
	for _, c := range []*kubernetes.Command{startup, ready} {
		if c.Args[0] != "verify" {
			t.Errorf("%s runs %v, want verify", c.Where, c.Args)
		}
		if !reflect.DeepEqual(c.Env, init.Env) {
			t.Errorf("%s has environment %v, the init container %v: the probe must check what apply made", c.Where, keys(c.Env), keys(init.Env))
		}
	}
	for _, k := range []string{"DATABASE_URL", "OPENROUTER_EXTERNAL_USER", "ORGANIZATION_NAME", "OPENROUTER_API_KEY"} {
		if init.Env[k] == "" {
			t.Errorf("the init container has no %s", k)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
