package sqlite_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
)

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, sqlitetest.Harness())
}

// TestLockContract runs the drivers' shared lock tests on the file lock:
// the error names the lock and its file, the holder by process.
func TestLockContract(t *testing.T) {
	drivertest.RunLockTests(t, sqlitetest.Harness(), drivertest.LockContract{
		// flock(2) on a file beside the database: no query.
		LockRoundTrips: 0,
		CheckError: func(t *testing.T, name string, le *driver.LockError) {
			if !strings.HasPrefix(le.Name, name+" (") || !strings.HasSuffix(le.Name, "."+name+".lock)") {
				t.Errorf("lock name %q: want %s and its lock file", le.Name, name)
			}
			if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(le.Holder, want) {
				t.Errorf("holder = %q, want %s", le.Holder, want)
			}
		},
		// A cleanup job removes the lock file while it is held.
		LoseLock: func(t *testing.T, d driver.Driver, name string) {
			paths, err := sqlite.LockPaths(d.(*sqlite.Driver).Path(), name)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
		},
	})
}
