package proptest_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackPropertiesSQLite runs the property on SQLite: 100 random cases
// (more with -rapid.checks=N), each on a fresh database file.
func TestPackPropertiesSQLite(t *testing.T) {
	proptest.Run(t, sqlitetest.Harness(), proptest.Cases(100))
}

// TestPackPropertiesOpenWebUISQLite runs it on the real Open WebUI schema
// and rows of every generation: 10 cases each (a fixture load per case;
// more with -rapid.checks=N).
func TestPackPropertiesOpenWebUISQLite(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			proptest.Run(t, sqlitetest.Harness(), proptest.Cases(10), proptest.Generation(gen))
		})
	}
}
