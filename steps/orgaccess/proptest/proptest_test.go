package proptest_test

import (
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/drivertest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackPropertiesSQLite runs the property on SQLite: 100 random cases
// (more with -rapid.checks=N), each on a fresh database file.
func TestPackPropertiesSQLite(t *testing.T) {
	proptest.Run(t, drivertest.HarnessFunc(func(t *testing.T) drivertest.Opener {
		path := filepath.Join(t.TempDir(), "prop.db")
		return func(t *testing.T) core.Driver {
			d, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			return d
		}
	}), proptest.Cases(100))
}
