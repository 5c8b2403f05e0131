//go:build integration

package mariadb_test

import (
	"strconv"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
)

// TestIdentRoundTrip runs the identifier seeds of the drivers' fuzz
// targets on MariaDB: each name is created and read back exactly in every
// role, or refused with a clear error before anything is written.
func TestIdentRoundTrip(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	for i, name := range drivertest.IdentSeeds {
		t.Run(strconv.Itoa(i), func(t *testing.T) { drivertest.IdentRoundTrip(t, d, name) })
	}
}
