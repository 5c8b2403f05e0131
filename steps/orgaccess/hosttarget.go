package orgaccess

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/lazyre"
)

// Settings naming the host version about to start.
const (
	// EnvHostRevision names the alembic revision the host about to start
	// migrates the database to, or RevisionCurrent.
	EnvHostRevision = "GROUNDWORK_HOST_REVISION"
	// EnvHostMigrations names the directory of the host's alembic
	// migrations (Open WebUI's migrations/versions); its head is the target.
	EnvHostMigrations = "GROUNDWORK_HOST_MIGRATIONS"
	// RevisionCurrent as the host revision says the database's revision
	// is the host's: no upgrade is ever pending behind groundwork's back
	// (it runs only after the host has migrated, say).
	RevisionCurrent = "current"
	// OpenWebUIMigrations is where the Open WebUI image keeps its alembic
	// migrations. When groundwork runs inside that image and neither
	// setting is given, the target is read from there.
	OpenWebUIMigrations = "/app/backend/open_webui/migrations/versions"
)

// HostTarget is what groundwork knows of the host version about to start:
// the alembic revisions its migrations end at. The zero value knows
// nothing, and the pack then holds back its objects that the host's
// migrations could trip over (see HostTarget.Unknown).
type HostTarget struct {
	// Heads are the revisions the host migrates the database to.
	Heads []string
	// Known, when the target was read from the host's migration files,
	// holds every revision they define: a database revision outside it is
	// newer than this host (an older replica during a rolling update), and
	// the host will not migrate it.
	Known map[string]bool
	// Current says the database's revision is the host's, whatever it is.
	Current bool
	// Source says where the target came from, for reports.
	Source string
}

// Unknown reports whether nothing is known of the host's target.
func (t HostTarget) Unknown() bool { return !t.Current && len(t.Heads) == 0 }

// validRevision tells whether r looks like an alembic revision id: Open
// WebUI's are 12 hex digits, but alembic accepts any word of up to 64
// letters, digits and underscores. Checked by hand, not by a regexp
// compiled at package init: every start of the CLI would pay for it.
func validRevision(r string) bool {
	if len(r) == 0 || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// TargetFromRevision is the target of a revision given by hand
// (EnvHostRevision): one revision, several separated by commas (a
// database with merged branches), or RevisionCurrent.
func TargetFromRevision(rev, source string) (HostTarget, error) {
	rev = strings.TrimSpace(rev)
	if strings.EqualFold(rev, RevisionCurrent) {
		return HostTarget{Current: true, Source: source}, nil
	}
	t := HostTarget{Source: source}
	for _, r := range strings.Split(rev, ",") {
		r = strings.TrimSpace(r)
		if !validRevision(r) {
			return HostTarget{}, fmt.Errorf("steps/orgaccess: %s: %q is not an alembic revision (letters, digits, _) nor %q: %w", source, r, RevisionCurrent, core.ErrInvalid)
		}
		if !slices.Contains(t.Heads, r) {
			t.Heads = append(t.Heads, r)
		}
	}
	sort.Strings(t.Heads)
	return t, nil
}

// The assignments of an alembic revision file: revision = '…' and
// down_revision = '…' | ('…', '…') | None, with or without a type
// annotation. Compiled on first use: only --host-migrations reads
// migration files.
var (
	revisionLine = lazyre.New(`(?m)^revision\s*(?::[^=\n]*)?=\s*['"]([^'"]+)['"]`)
	downLine     = lazyre.New(`(?m)^down_revision\s*(?::[^=\n]*)?=\s*(.*)$`)
	quoted       = lazyre.New(`['"]([^'"]+)['"]`)
)

// TargetFromMigrations reads the host's alembic migration files in dir
// (*.py) and returns their heads: the revisions no other file revises.
// A directory without a revision, or one whose files do not form a
// graph ending in heads, is an error wrapping core.ErrInvalid.
func TargetFromMigrations(dir string) (HostTarget, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.py"))
	if err != nil {
		return HostTarget{}, fmt.Errorf("steps/orgaccess: host migrations %s: %w", dir, err)
	}
	known := map[string]bool{}
	revised := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return HostTarget{}, fmt.Errorf("steps/orgaccess: host migrations: %w", err)
		}
		m := revisionLine().FindSubmatch(b)
		if m == nil {
			continue // __init__.py, helpers
		}
		known[string(m[1])] = true
		if d := downLine().FindSubmatch(b); d != nil {
			for _, q := range quoted().FindAllSubmatch(d[1], -1) {
				revised[string(q[1])] = true
			}
		}
	}
	if len(known) == 0 {
		return HostTarget{}, fmt.Errorf("steps/orgaccess: host migrations %s: no alembic revision file there: %w", dir, core.ErrInvalid)
	}
	t := HostTarget{Known: known, Source: dir}
	for r := range known {
		if !revised[r] {
			t.Heads = append(t.Heads, r)
		}
	}
	if len(t.Heads) == 0 {
		return HostTarget{}, fmt.Errorf("steps/orgaccess: host migrations %s: every revision is revised by another (a cycle): %w", dir, core.ErrInvalid)
	}
	sort.Strings(t.Heads)
	return t, nil
}

// ResolveTarget finds the host's target: an explicit revision wins, then
// a migrations directory, then, when dir is unset and auto is a
// directory that exists (OpenWebUIMigrations: groundwork runs inside the
// Open WebUI image), that one. Nothing found is the zero HostTarget.
func ResolveTarget(revision, revisionFrom, dir, dirFrom, auto string) (HostTarget, error) {
	switch {
	case strings.TrimSpace(revision) != "":
		return TargetFromRevision(revision, revisionFrom)
	case strings.TrimSpace(dir) != "":
		t, err := TargetFromMigrations(strings.TrimSpace(dir))
		if err != nil {
			return t, fmt.Errorf("%s: %w", dirFrom, err)
		}
		return t, nil
	case auto != "":
		if fi, err := os.Stat(auto); err == nil && fi.IsDir() {
			return TargetFromMigrations(auto)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return HostTarget{}, fmt.Errorf("steps/orgaccess: host migrations %s: %w", auto, err)
		}
	}
	return HostTarget{}, nil
}

// hostState is where the database stands against the host's target.
type hostState int

const (
	// stateUnmanaged: no alembic_version or migratehistory table, so no
	// host migration runs on this database (a demo, a test, another app).
	stateUnmanaged hostState = iota
	// stateCurrent: the database is at the host's target.
	stateCurrent
	// stateAhead: the database is at a revision the host's migrations do
	// not know, so the host will not migrate it.
	stateAhead
	// statePending: the host is about to migrate the database.
	statePending
	// stateUnknown: the database is the host's, but its target is unknown.
	stateUnknown
)

// holdsBack reports whether objects the host's migrations could trip over
// must stay away in this state.
func (s hostState) holdsBack() bool { return s == statePending || s == stateUnknown }

// state compares the database's revisions with the target and says why.
func (t HostTarget) state(rev hostRevision) (hostState, string) {
	at := rev.String()
	switch {
	case !rev.Managed:
		return stateUnmanaged, "no alembic_version table: no host migration runs on this database"
	case t.Current:
		return stateCurrent, fmt.Sprintf("the host's revision is the database's (%s, %s=%s)", at, EnvHostRevision, RevisionCurrent)
	case t.Unknown():
		return stateUnknown, fmt.Sprintf("the database is at Open WebUI revision %s and the revision the host about to start migrates to is unknown (set %s or %s)", at, EnvHostRevision, EnvHostMigrations)
	case slices.Equal(rev.Revisions, t.Heads):
		return stateCurrent, fmt.Sprintf("the database is at the host's revision %s (from %s)", at, t.Source)
	}
	if t.Known != nil {
		for _, r := range rev.Revisions {
			if !t.Known[r] {
				return stateAhead, fmt.Sprintf("the database is at revision %s, which the host's migrations (%s) do not know: it is newer than this host, which will not migrate it", at, t.Source)
			}
		}
	}
	return statePending, fmt.Sprintf("Open WebUI is to migrate the database from revision %s to %s (from %s)", at, strings.Join(t.Heads, ","), t.Source)
}
