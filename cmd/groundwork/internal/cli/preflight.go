package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// orgSettings are the settings an organization is made of: all of them,
// or none (the organization steps then skip).
var orgSettings = []string{orgaccess.EnvOrgID, orgaccess.EnvOrgName, orgaccess.EnvAPIKey}

// orgSteps are the steps that need every organization setting and skip
// without them.
var orgSteps = []string{orgaccess.OrgStepID, orgaccess.LinkStepID, orgaccess.MembersStepID}

// errNoDatabase: apply, plan, verify and history were given no database.
// A default file would be created where the binary happens to run (or
// fail there, in an image with a read-only root), and report converged.
var errNoDatabase = fmt.Errorf("cli: no database given: set DATABASE_URL or --db: %w", core.ErrInvalid)

// requireDB returns the database URL setting, or errNoDatabase.
func (a *app) requireDB() error {
	if a.st.DB == "" {
		return errNoDatabase
	}
	return nil
}

// orgCheck decides, before anything is opened, what the organization
// settings allow: a partial organization is invalid input naming what is
// missing; none at all skips the organization steps with a warning in
// apply and plan, and is invalid in verify, where a skipped step would
// count as holding and the readiness probe would check nothing.
// It returns the warning to log and put in the report, or "".
func (a *app) orgCheck(mode string, selected []core.Step) (string, error) {
	missing := a.st.Org.Missing()
	if len(missing) == 0 {
		return "", nil
	}
	var needs []string
	for _, st := range selected {
		if contains(orgSteps, st.Info().ID) {
			needs = append(needs, st.Info().ID)
		}
	}
	if len(needs) == 0 {
		return "", nil
	}
	if len(missing) < len(orgSettings) {
		return "", fmt.Errorf("cli: the organization is only half configured: %s not set (%s, %s and %s go together; set all three or none): %w",
			strings.Join(missing, ", "), orgSettings[0], orgSettings[1], orgSettings[2], core.ErrInvalid)
	}
	if mode == core.ModeVerify {
		return "", fmt.Errorf("cli: verify would check no organization: %s are not set, so %s would skip and prove nothing; give verify the same environment as apply, or leave those steps out with --tag usage: %w",
			strings.Join(missing, ", "), strings.Join(needs, ", "), core.ErrInvalid)
	}
	return fmt.Sprintf("%s not set: the organization steps (%s) are skipped", strings.Join(missing, ", "), strings.Join(needs, ", ")), nil
}

// sqliteCheck says in words what is wrong with an SQLite path SQLite
// itself would only call "unable to open database file: out of memory
// (14)": a directory, an unreadable file, a directory apply cannot
// create the file in. Only a file apply creates is probed by writing (a
// temporary file, removed at once).
func sqliteCheck(u dburl.URL, readOnly bool) error {
	if u.Dialect != dburl.SQLite {
		return nil
	}
	fi, err := os.Stat(u.Path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("cli: SQLite path %s is a directory, not a database file: name a file in it, e.g. sqlite:///%s: %w",
			u.Path, filepath.Join(strings.TrimPrefix(u.Path, "/"), "groundwork.db"), core.ErrInvalid)
	case err == nil:
		f, err := os.Open(u.Path)
		if err != nil {
			return fmt.Errorf("cli: cannot open SQLite file %s: %w: %w", u.Path, errors.Unwrap(err), core.ErrInvalid)
		}
		_ = f.Close()
		return nil
	case !errors.Is(err, fs.ErrNotExist) || readOnly:
		return nil // open says what is wrong; a read-only run creates nothing
	}
	dir := filepath.Dir(u.Path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil // open names the missing directory
	}
	probe, err := os.CreateTemp(dir, ".groundwork-probe-*")
	if err != nil {
		return fmt.Errorf("cli: cannot create SQLite file %s: directory %s is not writable by this user: %w", u.Path, dir, core.ErrInvalid)
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}
