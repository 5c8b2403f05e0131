package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

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

// TestLockHoldsWarmConnection: the session lock holds the connection the
// pool used last, whose backend's catalog caches are warm, and offers it
// to the runner (SessionLock), so a run's statements under the lock need
// no second connection.
func TestLockHoldsWarmConnection(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	var warm int64
	if err := d.DB().DB.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&warm); err != nil {
		t.Fatal(err)
	}
	opened := d.DB().DB.Stats().OpenConnections
	l, err := d.Lock(ctx, "warm", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if held := l.(*advisoryLock).pid; held != warm {
		t.Errorf("the lock holds pid %d, want the warm connection's %d", held, warm)
	}
	conn := l.(driver.SessionLock).LockConn()
	var on int64
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&on); err != nil {
		t.Fatal(err)
	}
	if on != warm {
		t.Errorf("LockConn runs on pid %d, want %d", on, warm)
	}
	if got := d.DB().DB.Stats().OpenConnections; got != opened {
		t.Errorf("taking the lock opened connections: %d, had %d", got, opened)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
