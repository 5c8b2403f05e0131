package postgres

import (
	"testing"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// TestConformance runs the shared suite on the local throwaway server (or
// GROUNDWORK_PG_URL), one fresh schema per case. integration/ runs it
// again against a real PostgreSQL in a container.
func TestConformance(t *testing.T) {
	requireServer(t)
	drivertest.RunConformanceTests(t, coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
		url := newSchema(t)
		return func(t *testing.T) driver.Driver { return openURL(t, url) }
	}))
}

// TestPack runs the organization-access pack tests on PostgreSQL.
func TestPack(t *testing.T) {
	requireServer(t)
	packtest.Run(t, coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
		url := newSchema(t)
		return func(t *testing.T) driver.Driver { return openURL(t, url) }
	}))
}
