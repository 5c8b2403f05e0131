//go:build integration

package mariadb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

func TestLockTimeoutNamesHolder(t *testing.T) {
	_, dsn := newDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-lock-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = b.Lock(ctx, "gw-lock-test", 200*time.Millisecond)
	waited := time.Since(start)
	var le *core.LockError
	if !errors.Is(err, core.ErrLockTimeout) || !errors.As(err, &le) {
		t.Fatalf("second lock: %v, want a LockError with ErrLockTimeout", err)
	}
	if waited < 200*time.Millisecond {
		t.Errorf("gave up after %s, before the 200ms asked", waited)
	}
	if le.Name != "gw-lock-test" || !strings.Contains(le.Holder, "connection ") || !strings.Contains(le.Holder, "user groundwork") || !strings.Contains(le.Holder, "client ") {
		t.Errorf("lock error %q: want the name, and the holder's connection, user and client", err)
	}
	t.Logf("%v", err)

	// Another name is independent.
	other, err := b.Lock(ctx, "gw-lock-test-2", 0)
	if err != nil {
		t.Fatalf("another name: %v", err)
	}
	if err := other.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	if err := held.Unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	again, err := b.Lock(ctx, "gw-lock-test", time.Second)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := again.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// Unlock gave the connection back to the pool.
	if n := a.DB().Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use after unlock", n)
	}
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

// TestLockReleasedWhenHolderDies: a holder whose connection ends (here
// killed with KILL CONNECTION) leaves no stuck lock.
func TestLockReleasedWhenHolderDies(t *testing.T) {
	_, dsn := newDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-kill-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "gw-kill-test", 50*time.Millisecond); !errors.Is(err, core.ErrLockTimeout) {
		t.Fatalf("lock is not held: %v", err)
	}
	var key string
	if err := a.DB().QueryRowContext(ctx, "SELECT CONCAT('groundwork:', DATABASE(), ':gw-kill-test')").Scan(&key); err != nil {
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
	got, err := b.Lock(ctx, "gw-kill-test", 5*time.Second)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	if err := got.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// The dead holder's Unlock reports the failure and does not hang.
	if err := held.Unlock(ctx); err == nil {
		t.Errorf("unlock on a killed connection reported success")
	}
	// Its pool still works.
	if err := a.DB().PingContext(ctx); err != nil {
		t.Fatalf("pool after a discarded lock connection: %v", err)
	}
}

func TestLockHonoursContext(t *testing.T) {
	_, dsn := newDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	held, err := a.Lock(context.Background(), "gw-ctx-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = b.Lock(ctx, "gw-ctx-test", time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("the lock ignored its context for %s", time.Since(start))
	}
	// Waiting did not leak connections.
	if n := b.DB().Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use after a failed lock", n)
	}
}
