package main

// Process-level tests of the signal handling: the real binary, a real
// SIGTERM or SIGINT while a step is being applied. The step is made slow
// on purpose: a trigger on organization_members that does a few million
// multiplications for each inserted row, so the dev-population step
// (one INSERT … SELECT of every eligible user) takes far longer than the
// grace a step gets.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// signalExitBound is the correctness bound of the issue: a signalled
// apply is gone within 5 seconds.
const signalExitBound = 5 * time.Second

// sigUsers is how many users the dev-population step inserts.
const sigUsers = 80

var sigOrgEnv = []string{
	"OPENROUTER_EXTERNAL_USER=acme-dev",
	"ORGANIZATION_NAME=Acme Development",
	"OPENROUTER_API_KEY=sk-or-v1-signal-test-key",
}

// sigCommand is the binary in dir with only PATH, HOME and env in its
// environment. Under -short the test skips: it runs for several seconds.
func sigCommand(t *testing.T, dir string, env []string, args ...string) *testbin.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it for several seconds")
	}
	return testbin.Command(context.Background(), t, dir, testbin.Env(dir, env...), args...)
}

// sigSlowDatabase makes an SQLite database with the host tables, the
// pack's tables, sigUsers users and the slow trigger, and returns its URL.
func sigSlowDatabase(t *testing.T, dir string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(dir, "signal.db")
	url := "sqlite:///" + path
	if r := sigCommand(t, dir, nil, "apply", "--db", url, "--include", "host:openwebui-tables").Run(); r.Code != 0 {
		t.Fatalf("set-up apply: %s", r)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, q := range []string{
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO "user" (id, name, email, role, created_at, updated_at)
			SELECT 'u' || i, 'User ' || i, 'u' || i || '@example.com', 'user', 0, 0 FROM n`, sigUsers),
		`CREATE TABLE slow (x INTEGER)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO slow SELECT i FROM n`,
		`CREATE TRIGGER slow_members AFTER INSERT ON organization_members BEGIN SELECT sum(a.x * b.x) FROM slow a, slow b; END`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return url, db
}

// sigStart starts apply on url and returns once the dev-population step
// is being applied (the runner logs "applying step" for it).
func sigStart(t *testing.T, dir, url string) *testbin.Cmd {
	t.Helper()
	cmd := sigCommand(t, dir, sigOrgEnv, "apply", "--db", url, "-o", "json", "--log-level", "info", "--log-format", "json")
	cmd.StartUntil(60*time.Second, `"msg":"applying step"`, `"step":"orgaccess:dev-members"`)
	return cmd
}

// TestSignalStopsApply: SIGTERM while a step is being applied rolls the
// step back after the grace, records the run as interrupted, releases the
// lock and exits 143 within 5 seconds; the next run converges.
func TestSignalStopsApply(t *testing.T) {
	dir := t.TempDir()
	url, db := sigSlowDatabase(t, dir)

	cmd := sigStart(t, dir, url)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := cmd.Wait()
	took := time.Since(sent)
	t.Logf("SIGTERM to exit: %s", took.Round(time.Millisecond))
	if took > signalExitBound {
		t.Errorf("the process took %s to exit after SIGTERM, more than %s", took, signalExitBound)
	}
	if r.Code != 143 {
		t.Errorf("exit code %d, want 143 (128 + SIGTERM)\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{
		// --log-format json: the notices and the error are JSON records too.
		`"level":"WARN","msg":"received SIGTERM: stopping; a step being applied has up to 3s to commit or roll back (send the signal again to exit at once)"`,
		`"level":"ERROR","msg":"step orgaccess:dev-members: apply: interrupted (received SIGTERM); rolled back after the 3s grace`,
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, r.Stdout)
	}
	if rep.Status != core.RunInterrupted || !strings.Contains(rep.Error, "interrupted") {
		t.Errorf("report status %q, error %q; want interrupted", rep.Status, rep.Error)
	}
	if st := rep.Step("orgaccess:dev-members"); st == nil || st.Status != core.StatusFailed {
		t.Errorf("dev-members step: %+v, want failed (rolled back)", st)
	}

	var status, errText string
	if err := db.QueryRow(`SELECT status, COALESCE(error, '') FROM groundwork_runs ORDER BY id DESC LIMIT 1`).Scan(&status, &errText); err != nil {
		t.Fatal(err)
	}
	if status != core.RunInterrupted || !strings.Contains(errText, "interrupted (received SIGTERM)") {
		t.Errorf("history: status %q, error %q; want interrupted", status, errText)
	}
	if n := sigCount(t, db, `SELECT COUNT(*) FROM organization_members`); n != 0 {
		t.Errorf("%d memberships committed by the interrupted step, want 0 (rolled back)", n)
	}

	// The next run: no lock left behind (a 1s lock timeout would fail),
	// and it converges.
	if _, err := db.Exec(`DROP TRIGGER slow_members`); err != nil {
		t.Fatal(err)
	}
	sigConverges(t, dir, url, db)
}

// TestSecondSignalExitsAtOnce: a second signal ends the process at once,
// without waiting for the step; the next run still converges.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	url, db := sigSlowDatabase(t, dir)

	cmd := sigStart(t, dir, url)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The second signal once the first is handled.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(cmd.StderrSoFar(), "received SIGINT: stopping") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := cmd.Wait()
	took := time.Since(sent)
	t.Logf("second SIGINT to exit: %s", took.Round(time.Millisecond))
	// At once: well before the step's grace would have run out.
	if took >= core.StepGrace {
		t.Errorf("the process took %s to exit after the second signal, want at once", took)
	}
	if r.Code != 130 {
		t.Errorf("exit code %d, want 130 (128 + SIGINT)\n%s", r.Code, r.Stderr)
	}
	if want := `"msg":"received SIGINT again: exiting at once (exit 130)`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
	}
	if n := sigCount(t, db, `SELECT COUNT(*) FROM organization_members`); n != 0 {
		t.Errorf("%d memberships committed by the killed step, want 0", n)
	}
	if _, err := db.Exec(`DROP TRIGGER slow_members`); err != nil {
		t.Fatal(err)
	}
	sigConverges(t, dir, url, db)
}

// sigConverges runs apply with a short lock timeout (a lock left behind
// would fail it), then verify.
func sigConverges(t *testing.T, dir, url string, db *sql.DB) {
	t.Helper()
	r := sigCommand(t, dir, sigOrgEnv, "apply", "--db", url, "-o", "json", "--lock-timeout", "1s").Run()
	if r.Code != 0 {
		t.Fatalf("next apply: %s", r)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("next apply: status %s, lock wait %.1f ms", rep.Status, rep.LockWaitMS)
	if rep.Status != core.RunConverged || rep.LockWaitMS > 1000 {
		t.Errorf("next apply: status %s, lock wait %.1f ms; want converged without waiting", rep.Status, rep.LockWaitMS)
	}
	if n := sigCount(t, db, `SELECT COUNT(*) FROM organization_members`); n != sigUsers {
		t.Errorf("%d memberships after the next apply, want %d", n, sigUsers)
	}
	if r := sigCommand(t, dir, sigOrgEnv, "verify", "--db", url).Run(); r.Code != 0 {
		t.Errorf("verify: %s", r)
	}
}

func sigCount(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
