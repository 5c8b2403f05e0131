package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The host-revision settings are checked before anything is written, and
// after-host without a target cannot know when the host is done.
func TestHostRevisionSettings(t *testing.T) {
	db := sqliteURL(tempDB(t))
	r := run(t, nil, "apply", "--db", db, "--after-host")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "--host-revision") || !strings.Contains(r.stderr, "--host-migrations") {
		t.Fatalf("the error does not say what to set:\n%s", r)
	}
	r = run(t, map[string]string{"GROUNDWORK_HOST_REVISION": "x;y"}, "plan", "--db", db)
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "GROUNDWORK_HOST_REVISION") {
		t.Fatalf("the error does not name the setting:\n%s", r)
	}
	r = run(t, nil, "plan", "--db", db, "--host-migrations", filepath.Join(t.TempDir(), "none"))
	mustCode(t, r, ExitInvalid)

	// A migrations directory gives the target.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.py"), []byte("revision = 'aaaa'\ndown_revision = None\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCode(t, run(t, nil, "plan", "--db", db, "--host-migrations", dir), ExitDrift)
	// "current": after-host has nothing to wait for and applies.
	r = run(t, nil, "apply", "--db", db, "--host-revision", "current", "--after-host", "--after-host-timeout", "5s")
	mustCode(t, r, ExitOK)
}
