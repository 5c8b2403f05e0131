package postgres

import (
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
)

func TestLockKeyStable(t *testing.T) {
	// FNV-64a of "groundwork:groundwork": the key must never change, or
	// runners of two versions would not exclude each other.
	if got, want := lockKey("groundwork"), int64(-5788144094533524815); got != want {
		t.Fatalf("lockKey(groundwork) = %d, want %d", got, want)
	}
	if lockKey("a") == lockKey("b") {
		t.Fatalf("two names share a key")
	}
}

// TestLockContract runs the drivers' shared lock tests: the holder is
// named by its server process, application and client; a dead holder is
// a backend ended with pg_terminate_backend.
func TestLockContract(t *testing.T) {
	requireServer(t)
	drivertest.RunLockTests(t, coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
		url := newSchema(t)
		return func(t *testing.T) driver.Driver { return openURL(t, url) }
	}), drivertest.LockContract{
		// pg_try_advisory_lock with the fence key's barrier, then
		// pg_advisory_unlock.
		LockRoundTrips: 2,
		CheckError: func(t *testing.T, name string, le *driver.LockError) {
			if !strings.Contains(le.Holder, "pid ") || !strings.Contains(le.Holder, `application "groundwork"`) || !strings.Contains(le.Holder, "client 127.0.0.1") {
				t.Errorf("holder = %q, want its pid, application and client", le.Holder)
			}
		},
		KillHolder: func(t *testing.T, _ driver.Driver, name string) {
			key := uint64(lockKey(name))
			var killed bool
			// With a timeout (PostgreSQL 14+) it returns once the backend
			// is gone, so its advisory locks are released: without one
			// the next check could still see the lock held.
			err := adminDB.QueryRow(`SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
				WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2`,
				int64(key>>32), int64(key&0xffffffff)).Scan(&killed)
			if err != nil || !killed {
				t.Fatalf("terminate the holder: killed=%t err=%v", killed, err)
			}
		},
	})
}
