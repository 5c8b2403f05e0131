package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
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

func TestLockTimeoutNamesHolder(t *testing.T) {
	url := newSchema(t)
	a, b := openURL(t, url), openURL(t, url)
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
	if !strings.Contains(le.Holder, "pid ") || !strings.Contains(le.Holder, `application "groundwork"`) || !strings.Contains(le.Holder, "client 127.0.0.1") {
		t.Errorf("holder = %q, want its pid, application and client", le.Holder)
	}
	t.Logf("%v", err)

	// The same name on another lock is independent.
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
}

// TestLockReleasedWhenHolderDies: a holder whose connection ends (here
// killed with pg_terminate_backend) leaves no stuck lock.
func TestLockReleasedWhenHolderDies(t *testing.T) {
	url := newSchema(t)
	a, b := openURL(t, url), openURL(t, url)
	ctx := context.Background()
	held, err := a.Lock(ctx, "gw-kill-test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "gw-kill-test", 50*time.Millisecond); !errors.Is(err, core.ErrLockTimeout) {
		t.Fatalf("lock is not held: %v", err)
	}
	key := uint64(lockKey("gw-kill-test"))
	var killed bool
	err = adminDB.QueryRow(`SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2`,
		int64(key>>32), int64(key&0xffffffff)).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("terminate the holder: killed=%t err=%v", killed, err)
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
	url := newSchema(t)
	a, b := openURL(t, url), openURL(t, url)
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
