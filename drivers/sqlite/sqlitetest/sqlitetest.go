// Package sqlitetest gives tests fresh SQLite databases, as net/http's
// httptest gives them servers: the harness of the conformance and pack
// suites on SQLite, for this project's tests and for integrators' own.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// Harness gives each test a fresh database file in its temporary
// directory; each Opener call opens an independent driver on that file,
// closed when the test ends.
func Harness() coretest.Harness {
	return coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
		path := filepath.Join(t.TempDir(), "test.db")
		return func(t *testing.T) driver.Driver { return open(t, path) }
	})
}

// Open opens a driver on a fresh database file, closed when the test ends.
func Open(t testing.TB) *sqlite.Driver {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "test.db"))
}

func open(t testing.TB, path string) *sqlite.Driver {
	t.Helper()
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("sqlitetest: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}
