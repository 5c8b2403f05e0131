package orgaccess

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func writeMigrations(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The head is the revision no file revises, whatever the spelling of the
// assignments (annotated or not, quotes, a merge's tuple).
func TestTargetFromMigrations(t *testing.T) {
	dir := writeMigrations(t, map[string]string{
		"__init__.py":          "",
		"7e5b5dc7342b_init.py": "revision = '7e5b5dc7342b'\ndown_revision = None\n",
		"a_branch.py":          "revision: str = \"aaaa\"\ndown_revision: Union[str, None] = '7e5b5dc7342b'\n",
		"b_branch.py":          "revision: str = 'bbbb'\ndown_revision: Union[str, None] = '7e5b5dc7342b'\n",
		"merge.py":             "revision: str = 'mmmm'\ndown_revision: Union[str, Sequence[str], None] = ('aaaa', 'bbbb')\n",
		"util.py":              "def helper():\n    revision = 'not a file header'\n",
	})
	ht, err := TargetFromMigrations(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ht.Heads, []string{"mmmm"}) || !ht.Known["aaaa"] || ht.Known["not a file header"] {
		t.Fatalf("target %+v", ht)
	}
	for _, c := range []struct {
		rev  []string
		want hostState
	}{
		{[]string{"mmmm"}, stateCurrent},
		{[]string{"aaaa"}, statePending},
		{nil, statePending},                      // peewee only: alembic has not run yet
		{[]string{"zzzz"}, stateAhead},           // a newer database than this host
		{[]string{"aaaa", "bbbb"}, statePending}, // unmerged branches
	} {
		if got, why := ht.state(hostRevision{Managed: true, Revisions: c.rev}); got != c.want || why == "" {
			t.Errorf("database at %v: state %d (%s), want %d", c.rev, got, why, c.want)
		}
	}
	if got, _ := ht.state(hostRevision{}); got != stateUnmanaged {
		t.Errorf("a database without host migrations: state %d", got)
	}
	if _, err := TargetFromMigrations(t.TempDir()); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("an empty directory: %v", err)
	}
}

func TestTargetFromRevision(t *testing.T) {
	ht, err := TargetFromRevision(" b10670c03dd5 ", EnvHostRevision)
	if err != nil || !slices.Equal(ht.Heads, []string{"b10670c03dd5"}) || ht.Unknown() {
		t.Fatalf("%+v, %v", ht, err)
	}
	if ht, err := TargetFromRevision("Current", EnvHostRevision); err != nil || !ht.Current {
		t.Fatalf("current: %+v, %v", ht, err)
	}
	for _, bad := range []string{"", "a b", "x;DROP", "a,,b"} {
		if _, err := TargetFromRevision(bad, EnvHostRevision); !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), EnvHostRevision) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// An unknown target holds back, naming what to set.
	if st, why := (HostTarget{}).state(hostRevision{Managed: true, Revisions: []string{"x"}}); st != stateUnknown || !strings.Contains(why, EnvHostMigrations) {
		t.Errorf("unknown: %d %s", st, why)
	}
}

// Resolution order: an explicit revision, then a directory, then the
// image's own directory when it exists, else nothing.
func TestResolveTarget(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"x.py": "revision = 'dddd'\ndown_revision = None\n"})
	if ht, _ := ResolveTarget("rrrr", "flag", dir, "flag", dir); !slices.Equal(ht.Heads, []string{"rrrr"}) {
		t.Errorf("revision first: %+v", ht)
	}
	if ht, _ := ResolveTarget("", "", dir, "flag", ""); !slices.Equal(ht.Heads, []string{"dddd"}) {
		t.Errorf("directory: %+v", ht)
	}
	if ht, _ := ResolveTarget("", "", "", "", dir); !slices.Equal(ht.Heads, []string{"dddd"}) {
		t.Errorf("auto: %+v", ht)
	}
	if ht, err := ResolveTarget("", "", "", "", filepath.Join(dir, "missing")); err != nil || !ht.Unknown() {
		t.Errorf("nothing: %+v %v", ht, err)
	}
	if _, err := ResolveTarget("", "", filepath.Join(dir, "missing"), "GROUNDWORK_HOST_MIGRATIONS", ""); !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "GROUNDWORK_HOST_MIGRATIONS") {
		t.Errorf("a directory that is not there: %v", err)
	}
}
