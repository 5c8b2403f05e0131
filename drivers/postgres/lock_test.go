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

// TestLockSparesWarmConnection: the session lock holds a connection other
// than the one the pool used last, so the next query (the inspection
// under the lock) runs on the backend whose catalog caches are warm; with
// the pool at its limit the lock takes the connection it has.
func TestLockSparesWarmConnection(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	pid := func() int64 {
		var p int64
		if err := d.DB().DB.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	warm := pid()
	l, err := d.Lock(ctx, "spare", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	held := l.(*advisoryLock).pid
	if held == warm {
		t.Errorf("the lock holds the warm connection (pid %d)", warm)
	}
	if got := pid(); got != warm {
		t.Errorf("the query after the lock ran on pid %d, want the warm %d", got, warm)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	// At its limit: two connections, one held elsewhere.
	d.DB().DB.SetMaxOpenConns(2)
	other, err := d.DB().DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	start := time.Now()
	l, err = d.Lock(ctx, "spare", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > spareConnWait/2 {
		t.Errorf("the lock at the pool's limit took %s", took)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
