package proptest_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackPropertiesSQLite runs the property on SQLite: 100 random cases
// (more with -rapid.checks=N), each on a fresh database file.
func TestPackPropertiesSQLite(t *testing.T) {
	proptest.Run(t, sqlitetest.Harness(), proptest.Cases(100))
}
