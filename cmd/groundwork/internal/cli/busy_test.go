package cli

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLiteBusyFollowsLockTimeout: another process (the sqlite3 shell,
// standing in for Open WebUI) holds the database file's write lock. The
// wait for it follows --lock-timeout, and the error names what it waited
// for and who holds it.
func TestSQLiteBusyFollowsLockTimeout(t *testing.T) {
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
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	_, _ = io.WriteString(stdin, "BEGIN IMMEDIATE;\nDROP INDEX idx_org_members_user_active;\nSELECT 'ready';\n")
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("the shell did not take the write lock: %q %v", line, err)
	}
	// The organization steps must write: they wait for the write lock.
	r := run(t, map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": "sk-or-v1-busy"},
		"apply", "--db", sqliteURL(db), "--lock-timeout", "300ms")
	mustCode(t, r, ExitFailed)
	t.Logf("%s", r.stderr)
	for _, want := range []string{`lock "the write lock of the database file ` + db + `"`, "held by another process (pid ", "sqlite3)", "waited 300ms: lock wait timed out", "hint: another process (the host application, say) held the SQLite database's write lock"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr does not say %q\n%s", want, r)
		}
	}
}
