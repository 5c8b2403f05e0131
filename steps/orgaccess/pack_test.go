package orgaccess_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

func TestPackSQLite(t *testing.T) {
	packtest.Run(t, sqlitetest.Harness())
}
