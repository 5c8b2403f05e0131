//go:build integration

package mariadb_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackProperties runs the organization-access pack's property test
// on MariaDB: 30 random cases, each on a fresh database of the shared
// container (more with -rapid.checks=N).
func TestPackProperties(t *testing.T) {
	proptest.Run(t, kit.MariaDB().Harness(), proptest.Cases(30))
}
