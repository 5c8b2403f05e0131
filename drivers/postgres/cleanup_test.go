package postgres

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCloseWaitsForCancelRequests: a statement cut short by its context
// leaves pgx closing the connection in the background (a cancel request,
// then goodbye); Close returns only once that is done, and the server's
// query was cancelled, not left running.
func TestCloseWaitsForCancelRequests(t *testing.T) {
	d := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := d.DB().DB.ExecContext(ctx, "SELECT pg_sleep(30) -- gw-cancel-probe")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the statement ended with %v, want its deadline", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d.cleanups.mu.Lock()
	defer d.cleanups.mu.Unlock()
	if len(d.cleanups.conns) == 0 {
		t.Fatal("no connection was tracked")
	}
	for c := range d.cleanups.conns {
		select {
		case <-c.CleanupDone():
		default:
			t.Fatal("Close returned before a connection's clean-up was done")
		}
	}
	// The cancel reached the server: the query is gone (it would sleep on
	// for 30 s otherwise); the backend may take a moment to notice.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := adminDB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE '%gw-cancel-probe' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled query still runs on the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCleanupsWaitBound: a nil tracker (a borrowed handle) does not wait;
// a connection still open makes wait give up after its bound.
func TestCleanupsWaitBound(t *testing.T) {
	var none *cleanups
	if !none.wait(time.Millisecond) {
		t.Fatal("a nil tracker waited")
	}
	d := openTest(t)
	c, err := d.DB().DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if d.cleanups.wait(50 * time.Millisecond) {
		t.Fatal("wait reported an open connection closed")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("wait took %s with a bound of 50ms", took)
	}
}
