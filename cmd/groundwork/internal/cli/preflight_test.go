package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// TestHalfAnOrganizationExits2: one or two of the three organization
// variables (a misspelt ORGANISATION_NAME, say) is invalid input naming
// what is missing, before anything is written.
func TestHalfAnOrganizationExits2(t *testing.T) {
	for _, tt := range []struct {
		env     map[string]string
		missing string
	}{
		{map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANISATION_NAME": "Acme"}, "ORGANIZATION_NAME, OPENROUTER_API_KEY not set"},
		{map[string]string{"OPENROUTER_EXTERNAL_USER": "acme", "ORGANIZATION_NAME": "Acme"}, "OPENROUTER_API_KEY not set"},
		{map[string]string{"OPENROUTER_API_KEY": apiKey}, "OPENROUTER_EXTERNAL_USER, ORGANIZATION_NAME not set"},
	} {
		for _, mode := range []string{"apply", "plan", "verify"} {
			dir := t.TempDir()
			env := map[string]string{"DATABASE_URL": sqliteURL(filepath.Join(dir, "gw.db"))}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, env, mode)
			mustCode(t, r, ExitInvalid)
			if !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, tt.missing) {
				t.Fatalf("%s %v: stderr does not say %q\n%s", mode, tt.env, tt.missing, r)
			}
			if strings.Contains(r.stdout+r.stderr, apiKey) {
				t.Fatalf("the key is shown\n%s", r)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Fatalf("%s: files written: %v", mode, entries)
			}
		}
	}
}

// TestNoOrganizationWarns: none of the three set, apply runs the schema
// steps, skips the organization's and says so on stderr and in the
// report.
func TestNoOrganizationWarns(t *testing.T) {
	u := sqliteURL(tempDB(t))
	r := run(t, nil, "apply", "--db", u, "-o", "json")
	mustCode(t, r, ExitOK)
	const want = "OPENROUTER_EXTERNAL_USER, ORGANIZATION_NAME, OPENROUTER_API_KEY not set: the organization steps"
	if !strings.Contains(r.stderr, "level=WARN") || !strings.Contains(r.stderr, want) {
		t.Fatalf("no warning on stderr\n%s", r)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], want) || rep.Step("orgaccess:organization").Status != core.StatusSkipped {
		t.Fatalf("the report does not say so: %s", r.stdout)
	}
	// Selecting no organization step needs no organization, and warns of none.
	r = run(t, nil, "apply", "--db", u, "--tag", "usage")
	mustCode(t, r, ExitOK)
	if r.stderr != "" {
		t.Fatalf("a warning with no organization step selected\n%s", r)
	}
}

// TestNoDatabaseExits2: no DATABASE_URL, no --db: no file appears where
// the binary runs.
func TestNoDatabaseExits2(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{{"apply"}, {"plan"}, {"verify", "--tag", "usage"}, {"history"}} {
		r := run(t, nil, args...)
		mustCode(t, r, ExitInvalid)
		if !strings.Contains(r.stderr, "set DATABASE_URL or --db") {
			t.Fatalf("%v\n%s", args, r)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("files written: %v", entries)
	}
}

// TestSQLitePathSaysWhatIsWrong: SQLite itself says "unable to open
// database file: out of memory (14)" for each of these.
func TestSQLitePathSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "apply", "--db", sqliteURL(dir), "--tag", "usage")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, dir+" is a directory, not a database file") {
		t.Fatalf("a directory\n%s", r)
	}
	if os.Geteuid() == 0 {
		t.Log("root can write anywhere: the read-only directory case is not tested")
		return
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "apply", "--db", sqliteURL(filepath.Join(ro, "gw.db")), "--tag", "usage")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, "directory "+ro+" is not writable by this user") {
		t.Fatalf("a read-only directory\n%s", r)
	}
}
