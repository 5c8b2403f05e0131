package orgaccess_test

import (
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/drivertest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

func TestPackSQLite(t *testing.T) {
	packtest.Run(t, drivertest.HarnessFunc(func(t *testing.T) drivertest.Opener {
		path := filepath.Join(t.TempDir(), "pack.db")
		return func(t *testing.T) core.Driver {
			d, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			return d
		}
	}))
}
