package main

// Process-level tests of the signal handling: the real binary, a real
// SIGTERM or SIGINT while a step is being applied. The step is made slow
// on purpose: a trigger on organization_members that does a few million
// multiplications for each inserted row, so the dev-population step
// (one INSERT … SELECT of every eligible user) takes far longer than the
// grace a step gets.

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/groundworkdb/groundwork/core"
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

// sigBuild builds the groundwork binary into a temporary directory.
func sigBuild(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it for several seconds")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "groundwork")
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/groundworkdb/groundwork/cmd/groundwork").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sigCommand is the binary with only PATH, HOME and env in its environment.
func sigCommand(bin, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	return cmd
}

// sigRun runs the binary to the end and returns its exit code and output.
func sigRun(t *testing.T, bin, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := sigCommand(bin, dir, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("%v: %v", args, err)
	return -1, "", ""
}

// sigSlowDatabase makes an SQLite database with the host tables, the
// pack's tables, sigUsers users and the slow trigger, and returns its URL.
func sigSlowDatabase(t *testing.T, bin, dir string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(dir, "signal.db")
	url := "sqlite:///" + path
	if code, out, errOut := sigRun(t, bin, dir, nil, "apply", "--db", url, "--include", "host:openwebui-tables"); code != 0 {
		t.Fatalf("set-up apply: exit %d\n%s%s", code, out, errOut)
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
func sigStart(t *testing.T, bin, dir, url string) (*exec.Cmd, *bytes.Buffer, *sigBuffer) {
	t.Helper()
	cmd := sigCommand(bin, dir, sigOrgEnv, "apply", "--db", url, "-o", "json", "--log-level", "info", "--log-format", "json")
	var stdout bytes.Buffer
	stderr := &sigBuffer{}
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	applying := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			stderr.WriteLine(line)
			if !seen && strings.Contains(line, `"msg":"applying step"`) && strings.Contains(line, `"step":"orgaccess:dev-members"`) {
				seen = true
				close(applying)
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	select {
	case <-applying:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the dev-population step never started\n%s", stderr)
	}
	return cmd, &stdout, stderr
}

// sigWait waits for cmd and returns its exit code.
func sigWait(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", err)
	return -1
}

// TestSignalStopsApply: SIGTERM while a step is being applied rolls the
// step back after the grace, records the run as interrupted, releases the
// lock and exits 143 within 5 seconds; the next run converges.
func TestSignalStopsApply(t *testing.T) {
	bin := sigBuild(t)
	dir := t.TempDir()
	url, db := sigSlowDatabase(t, bin, dir)

	cmd, stdout, stderr := sigStart(t, bin, dir, url)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := sigWait(t, cmd)
	took := time.Since(sent)
	t.Logf("SIGTERM to exit: %s", took.Round(time.Millisecond))
	if took > signalExitBound {
		t.Errorf("the process took %s to exit after SIGTERM, more than %s", took, signalExitBound)
	}
	if code != 143 {
		t.Errorf("exit code %d, want 143 (128 + SIGTERM)\n%s", code, stderr)
	}
	for _, want := range []string{
		"groundwork: received SIGTERM: stopping; a step being applied has up to 3s to commit or roll back (send the signal again to exit at once)",
		"error: step orgaccess:dev-members: apply: interrupted (received SIGTERM); rolled back after the 3s grace",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var rep core.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout)
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
	sigConverges(t, bin, dir, url, db)
}

// TestSecondSignalExitsAtOnce: a second signal ends the process at once,
// without waiting for the step; the next run still converges.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	bin := sigBuild(t)
	dir := t.TempDir()
	url, db := sigSlowDatabase(t, bin, dir)

	cmd, _, stderr := sigStart(t, bin, dir, url)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The second signal once the first is handled.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "received SIGINT: stopping") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := sigWait(t, cmd)
	took := time.Since(sent)
	t.Logf("second SIGINT to exit: %s", took.Round(time.Millisecond))
	// At once: well before the step's grace would have run out.
	if took >= core.StepGrace {
		t.Errorf("the process took %s to exit after the second signal, want at once", took)
	}
	if code != 130 {
		t.Errorf("exit code %d, want 130 (128 + SIGINT)\n%s", code, stderr)
	}
	if want := "groundwork: received SIGINT again: exiting at once (exit 130)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if n := sigCount(t, db, `SELECT COUNT(*) FROM organization_members`); n != 0 {
		t.Errorf("%d memberships committed by the killed step, want 0", n)
	}
	if _, err := db.Exec(`DROP TRIGGER slow_members`); err != nil {
		t.Fatal(err)
	}
	sigConverges(t, bin, dir, url, db)
}

// sigConverges runs apply with a short lock timeout (a lock left behind
// would fail it), then verify.
func sigConverges(t *testing.T, bin, dir, url string, db *sql.DB) {
	t.Helper()
	code, out, errOut := sigRun(t, bin, dir, sigOrgEnv, "apply", "--db", url, "-o", "json", "--lock-timeout", "1s")
	if code != 0 {
		t.Fatalf("next apply: exit %d\n%s%s", code, out, errOut)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("next apply: status %s, lock wait %.1f ms", rep.Status, rep.LockWaitMS)
	if rep.Status != core.RunConverged || rep.LockWaitMS > 1000 {
		t.Errorf("next apply: status %s, lock wait %.1f ms; want converged without waiting", rep.Status, rep.LockWaitMS)
	}
	if n := sigCount(t, db, `SELECT COUNT(*) FROM organization_members`); n != sigUsers {
		t.Errorf("%d memberships after the next apply, want %d", n, sigUsers)
	}
	if code, out, errOut := sigRun(t, bin, dir, sigOrgEnv, "verify", "--db", url); code != 0 {
		t.Errorf("verify: exit %d\n%s%s", code, out, errOut)
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

// sigBuffer collects lines from one goroutine while the test reads them.
type sigBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *sigBuffer) WriteLine(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(line + "\n")
}

func (s *sigBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
