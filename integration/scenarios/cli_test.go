//go:build integration

package scenarios_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
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
type result struct {
	args           []string
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return "groundwork " + strings.Join(r.args, " ") + ": exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// report parses the JSON report a run printed with -o json.
func (r result) report(t testing.TB) *core.Report {
	t.Helper()
	var rep core.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r)
	}
	return &rep
}

// command prepares a groundwork process with exactly env.
func command(ctx context.Context, env map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = []string{}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// groundwork runs the CLI to completion and checks that its output holds
// no secret.
func groundwork(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd, stdout, stderr := command(ctx, env, args...)
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	r.code = exitCode(t, err, r)
	noSecret(t, r, env)
	return r
}

func exitCode(t testing.TB, err error, r result) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	t.Fatalf("groundwork did not exit normally: %v\n%s", err, r)
	return -1
}

// noSecret fails the test when the API key or the database password of
// env shows in a run's output (invariant 6).
func noSecret(t testing.TB, r result, env map[string]string) {
	t.Helper()
	out := r.stdout + r.stderr
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
	if r.code != code {
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
