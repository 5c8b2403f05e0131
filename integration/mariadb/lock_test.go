//go:build integration

package mariadb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// TestLockContract runs the drivers' shared lock tests: the lock is
// named as asked and its holder by connection, user and client; a dead
// holder is a connection ended with KILL CONNECTION.
func TestLockContract(t *testing.T) {
	drivertest.RunLockTests(t, kit.MariaDB().Harness(), drivertest.LockContract{
		// SELECT DATABASE() (the lock's name has it), GET_LOCK, then
		// RELEASE_LOCK.
		LockRoundTrips: 3,
		CheckError: func(t *testing.T, name string, le *core.LockError) {
			if le.Name != name || !strings.Contains(le.Holder, "connection ") || !strings.Contains(le.Holder, "user groundwork") || !strings.Contains(le.Holder, "client ") {
				t.Errorf("lock error %q: want the name, and the holder's connection, user and client", le)
			}
		},
		KillHolder: func(t *testing.T, d core.Driver, name string) {
			ctx := context.Background()
			var key string
			if err := d.DB().QueryRowContext(ctx, "SELECT CONCAT('groundwork:', DATABASE(), ':', ?)", name).Scan(&key); err != nil {
				t.Fatal(err)
			}
			root := admin(t)
			var holder int64
			if err := root.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", key).Scan(&holder); err != nil {
				t.Fatalf("find the holder: %v", err)
			}
			if _, err := root.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", holder)); err != nil {
				t.Fatalf("kill the holder: %v", err)
			}
			// KILL only marks the connection: its thread ends, releasing
			// the lock, a moment later. Wait for that (bounded), so the
			// next check sees the lock gone, not still held.
			for deadline := time.Now().Add(10 * time.Second); ; {
				var now sql.NullInt64
				if err := root.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", key).Scan(&now); err != nil {
					t.Fatalf("look for the holder: %v", err)
				}
				if !now.Valid || now.Int64 != holder {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("connection %d still holds %s 10s after KILL", holder, key)
				}
				time.Sleep(20 * time.Millisecond)
			}
		},
	})
}

// TestLockPerDatabase: GET_LOCK names are server-wide; runners of two
// databases on one server must not exclude each other.
func TestLockPerDatabase(t *testing.T) {
	_, dsn1 := newDatabase(t)
	_, dsn2 := newDatabase(t)
	ctx := context.Background()
	l1, err := open(t, dsn1).Lock(ctx, "groundwork", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l1.Unlock(ctx)
	l2, err := open(t, dsn2).Lock(ctx, "groundwork", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("the lock of another database is held: %v", err)
	}
	if err := l2.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// A name longer than GET_LOCK's 64 characters works too.
	long := strings.Repeat("very-long-lock-name-", 5)
	l3, err := open(t, dsn1).Lock(ctx, long, time.Second)
	if err != nil {
		t.Fatalf("a long name: %v", err)
	}
	if _, err := open(t, dsn1).Lock(ctx, long, 50*time.Millisecond); !errors.Is(err, core.ErrLockTimeout) {
		t.Fatalf("a long name does not exclude: %v", err)
	}
	if err := l3.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
