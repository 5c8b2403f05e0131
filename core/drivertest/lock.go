package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// LockContract is what RunLockTests needs to know of a driver's lock
// beyond core.Driver.
type LockContract struct {
	// CheckError checks the dialect's part of the error of a runner that
	// gave up waiting for name: how it names the lock and its holder.
	CheckError func(t *testing.T, name string, le *core.LockError)
	// KillHolder ends the server connection through which d holds the
	// lock name, as a crashed runner's would end. Nil when the lock dies
	// only with its process (SQLite's file lock): that case is skipped.
	KillHolder func(t *testing.T, d core.Driver, name string)
}

// RunLockTests runs the lock contract every driver's Lock keeps: a
// waiter gives up after the wait asked with a LockError naming the
// holder; names are independent; unlocking frees the lock and its
// connection; a holder that dies leaves no stuck lock; the context ends
// the wait at once without leaking a connection.
func RunLockTests(t *testing.T, h Harness, c LockContract) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener, LockContract)
	}{
		{"TimeoutNamesHolder", testLockTimeoutNamesHolder},
		{"ReleasedWhenHolderDies", testLockReleasedWhenHolderDies},
		{"HonoursContext", testLockHonoursContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t), c) })
	}
}

func testLockTimeoutNamesHolder(t *testing.T, open Opener, c LockContract) {
	a, b := open(t), open(t)
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
	if waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("gave up after %s, want about 200ms", waited)
	}
	c.CheckError(t, "gw-lock-test", le)
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

func testLockReleasedWhenHolderDies(t *testing.T, open Opener, c LockContract) {
	if c.KillHolder == nil {
		t.Skip("the lock dies only with its process: no connection to kill")
	}
	a, b := open(t), open(t)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-kill-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "gw-kill-test", 50*time.Millisecond); !errors.Is(err, core.ErrLockTimeout) {
		t.Fatalf("lock is not held: %v", err)
	}
	c.KillHolder(t, a, "gw-kill-test")
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

func testLockHonoursContext(t *testing.T, open Opener, _ LockContract) {
	a, b := open(t), open(t)
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
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the lock ignored its context for %s", time.Since(start))
	}
	// Waiting did not leak connections.
	if n := b.DB().Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use after a failed lock", n)
	}
}
