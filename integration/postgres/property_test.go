//go:build integration

package postgres_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/proptest"
)

// TestPackProperties runs the organization-access pack's property test
// (random partial states healed by one apply, nothing lost) on
// PostgreSQL: 50 random cases, each on a fresh database of the shared
// container (more with -rapid.checks=N).
func TestPackProperties(t *testing.T) {
	proptest.Run(t, kit.Postgres().Harness(), proptest.Cases(50))
}

// TestPackPropertiesOpenWebUI runs it on the real Open WebUI schema and
// rows of every generation: 20 cases each.
func TestPackPropertiesOpenWebUI(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			proptest.Run(t, kit.Postgres().Harness(), proptest.Cases(20), proptest.Generation(gen))
		})
	}
}
