package driver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/driver"
)

// The loop every driver's Lock shares: it returns once an attempt takes
// the lock, names the holder when the wait runs out, and reports a
// cancelled context as an interrupted wait, never as a timeout. The
// drivers' own locks run drivertest's lock contract on top of it.
func TestLockPoll(t *testing.T) {
	tries := 0
	p := driver.LockPoll{Name: "gw", Wait: time.Minute, Try: func(context.Context) (bool, error) {
		tries++
		return tries == 3, nil
	}}
	if err := p.Poll(context.Background()); err != nil || tries != 3 {
		t.Fatalf("Poll = %v after %d tries, want nil after 3", err, tries)
	}

	busy := func(context.Context) (bool, error) { return false, nil }
	p = driver.LockPoll{Name: "gw", Wait: 20 * time.Millisecond, Try: busy, Holder: func(context.Context) string { return "pid 7" }}
	var le *driver.LockError
	if err := p.Poll(context.Background()); !errors.As(err, &le) || !errors.Is(err, driver.ErrLockTimeout) || le.Holder != "pid 7" || le.Name != "gw" {
		t.Fatalf("a lock held past the wait: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p = driver.LockPoll{Name: "gw", Wait: time.Minute, Try: busy}
	if err := p.Poll(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, driver.ErrLockTimeout) {
		t.Fatalf("a cancelled wait: %v", err)
	}

	failed := errors.New("connection refused")
	p = driver.LockPoll{Name: "gw", Wait: time.Minute, Try: func(context.Context) (bool, error) { return false, failed }}
	if err := p.Poll(context.Background()); !errors.Is(err, failed) {
		t.Fatalf("an attempt's error: %v", err)
	}
}
