package schema_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/schema/rowstest"
)

// TestRowsOnSQLite runs the rows suite on SQLite; PostgreSQL and MariaDB
// run it in integration/integrators.
func TestRowsOnSQLite(t *testing.T) { rowstest.Run(t, sqlitetest.Harness()) }
