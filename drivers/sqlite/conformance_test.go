package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/drivertest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

func harness(t *testing.T) drivertest.Opener {
	path := filepath.Join(t.TempDir(), "conformance.db")
	return func(t *testing.T) core.Driver {
		d, err := sqlite.Open(path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
}

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, drivertest.HarnessFunc(harness))
}
