//go:build integration

package scenarios_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// The operator's settings of every scenario: a development organization
// (by the name heuristic) with the built-in models, unless a config row
// names others.
const (
	orgID   = "acme-dev"
	orgName = "Acme Dev"
	// apiKey must never appear in any output (invariant 6).
	apiKey = "sk-or-v1-scenario-SECRET-0123456789abcdef"
)

// cliTimeout bounds one groundwork process.
const cliTimeout = 3 * time.Minute

// orgEnv is the environment of `groundwork` on db: the database URL and
// the organization. The process gets nothing else from the test's own
// environment, so a GROUNDWORK_* variable of the caller cannot leak in.
func orgEnv(db *kit.Database) map[string]string {
	return map[string]string{
		"GROUNDWORK_DB":            db.URL,
		"OPENROUTER_EXTERNAL_USER": orgID,
		"ORGANIZATION_NAME":        orgName,
		"OPENROUTER_API_KEY":       apiKey,
	}
}

// with returns a copy of env with the pairs k1, v1, k2, v2, … set.
func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// result is one finished groundwork process.
type result struct{ testbin.Result }

// report parses the JSON report a run printed with -o json.
func (r result) report(t testing.TB) *core.Report {
	t.Helper()
	var rep core.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r)
	}
	return &rep
}

// command prepares a groundwork process with exactly env.
func command(ctx context.Context, t testing.TB, env map[string]string, args ...string) *testbin.Cmd {
	t.Helper()
	var list []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return testbin.Command(ctx, t, "", list, args...)
}

// groundwork runs the CLI to completion and checks that its output holds
// no secret.
func groundwork(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	r := result{command(ctx, t, env, args...).Run()}
	noSecret(t, r, env)
	return r
}

// noSecret fails the test when the API key or the database password of
// env shows in a run's output (invariant 6).
func noSecret(t testing.TB, r result, env map[string]string) {
	t.Helper()
	out := r.Stdout + r.Stderr
	if strings.Contains(out, apiKey) {
		t.Errorf("the API key appears in the output of %s", r)
	}
	if u, err := url.Parse(env["GROUNDWORK_DB"]); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && len(pw) >= 8 && strings.Contains(out, pw) {
			t.Errorf("the database password appears in the output of %s", r)
		}
	}
}

// mustExit fails the test unless the run exited with code.
func mustExit(t testing.TB, r result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

// applyJSON runs `groundwork apply -o json`, requires exit 0 and status
// converged, and returns the report.
func applyJSON(t testing.TB, env map[string]string, extra ...string) (*core.Report, result) {
	t.Helper()
	r := groundwork(t, env, append([]string{"apply", "-o", "json"}, extra...)...)
	mustExit(t, r, 0)
	rep := r.report(t)
	if rep.Status != core.RunConverged {
		t.Fatalf("apply did not converge:\n%s\n%s", kit.DumpReport(rep), r)
	}
	return rep, r
}
