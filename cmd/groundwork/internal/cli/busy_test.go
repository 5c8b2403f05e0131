package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestSQLiteBusyFollowsLockTimeout: another process (the sqlite3 shell,
// standing in for Open WebUI) holds the database file's write lock. The
// wait for it follows --lock-timeout, and the error names what it waited
// for and who holds it.
func TestSQLiteBusyFollowsLockTimeout(t *testing.T) {
	db, _ := shellHoldsWriteLock(t)
	// The organization steps must write: they wait for the write lock.
	r := run(t, map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": "sk-or-v1-busy"},
		"apply", "--db", sqliteURL(db), "--lock-timeout", "300ms")
	// A lock wait that timed out is worth a retry (issue 15): 75.
	mustCode(t, r, ExitRetryable)
	t.Logf("%s", r.stderr)
	for _, want := range []string{`lock "the write lock of the database file ` + db + `"`, "held by another process (pid ", "sqlite3)", "waited 300ms: lock wait timed out", "hint: another process (the host application, say) held the SQLite database's write lock"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr does not say %q\n%s", want, r)
		}
	}
}

// TestSQLiteBusyRunRecorded: a run that failed on the host's write lock
// is recorded once the host lets go of it. The shell releases the lock as
// soon as the run logs its failure, while the runner records the run
// (the history write waits for the same lock).
func TestSQLiteBusyRunRecorded(t *testing.T) {
	db, stdin := shellHoldsWriteLock(t)
	failed := make(chan struct{})
	stderr := &watchWriter{want: "step failed", hit: failed}
	released := make(chan struct{})
	go func() {
		defer close(released)
		<-failed
		_, _ = io.WriteString(stdin, "ROLLBACK;\n")
	}()
	var out bytes.Buffer
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": "sk-or-v1-busy"}
	code := Main(context.Background(), []string{"apply", "--db", sqliteURL(db), "--lock-timeout", "300ms"}, &out, stderr,
		func(k string) string { return env[k] })
	if code != ExitRetryable {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitRetryable, out.String(), stderr.String())
	}
	<-released
	if strings.Contains(stderr.String(), "run history not recorded") {
		t.Fatalf("the run was not recorded:\n%s", stderr.String())
	}
	r := run(t, nil, "history", "--db", sqliteURL(db), "-o", "json")
	mustCode(t, r, ExitOK)
	var runs []struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(runs) != 2 || runs[0].Status != "failed" || !strings.Contains(runs[0].Error, "lock wait timed out") {
		t.Fatalf("want the failed run recorded, newest first, naming the lock wait:\n%s", r.stdout)
	}
}

// watchWriter collects what is written and closes hit once it contains
// want.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	hit  chan struct{}
	done bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.want) {
		w.done = true
		close(w.hit)
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// shellHoldsWriteLock makes a database with the host tables and has the
// sqlite3 shell (another process, standing in for Open WebUI) take its
// write lock; writing "ROLLBACK;\n" to stdin releases it. It skips
// without the shell.
func shellHoldsWriteLock(t *testing.T) (string, io.Writer) {
	t.Helper()
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("no sqlite3 shell to hold the write lock from another process")
	}
	db := filepath.Join(t.TempDir(), "webui.db")
	mustCode(t, run(t, nil, "apply", "--db", sqliteURL(db), "--include", "host:openwebui-tables"), ExitOK)

	cmd := exec.Command(shell, db)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	_, _ = io.WriteString(stdin, "BEGIN IMMEDIATE;\nDROP INDEX idx_org_members_user_active;\nSELECT 'ready';\n")
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("the shell did not take the write lock: %q %v", line, err)
	}
	return db, stdin
}
