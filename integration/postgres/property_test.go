//go:build integration

package postgres_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/core/drivertest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackProperties runs the organization-access pack's property test
// (random partial states healed by one apply, nothing lost) on
// PostgreSQL: 50 random cases, each on a fresh database of the shared
// container (more with -rapid.checks=N).
func TestPackProperties(t *testing.T) {
	proptest.Run(t, drivertest.HarnessFunc(harness), proptest.Cases(50))
}
