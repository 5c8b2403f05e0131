package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestLockContract runs the drivers' shared lock tests on the file lock:
// the error names the lock and its file, the holder by process.
func TestLockContract(t *testing.T) {
	drivertest.RunLockTests(t, drivertest.HarnessFunc(harness), drivertest.LockContract{
		CheckError: func(t *testing.T, name string, le *core.LockError) {
			if !strings.HasPrefix(le.Name, name+" (") || !strings.HasSuffix(le.Name, "."+name+".lock)") {
				t.Errorf("lock name %q: want %s and its lock file", le.Name, name)
			}
			if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(le.Holder, want) {
				t.Errorf("holder = %q, want %s", le.Holder, want)
			}
		},
	})
}
