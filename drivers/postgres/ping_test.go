package postgres

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/internal/turnproxy"
)

// TestFirstQueryAfterOpenIsNotPinged: the first query after Open is one
// turn on the wire, not a ping and then the query (pgx's stdlib pings a
// connection it reuses after more than a second idle, and counted a new
// one as idle since the zero time); a connection that was idle longer is
// still pinged before it is used again.
func TestFirstQueryAfterOpenIsNotPinged(t *testing.T) {
	u, err := url.Parse(newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	tc := turnproxy.Start(t, u.Host)
	u.Host = tc.Addr()
	d := openURL(t, u.String())
	ctx := context.Background()
	query := func() int64 {
		t.Helper()
		return tc.Measure(func() {
			var one int
			if err := d.DB().DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
				t.Fatalf("query: %v", err)
			}
		}).Turns
	}
	if n := query(); n != 1 {
		t.Errorf("the first query after Open took %d turns, want 1 (no ping)", n)
	}
	if n := query(); n != 1 {
		t.Errorf("a query right after another took %d turns, want 1", n)
	}
	time.Sleep(maxUnpingedIdle + 100*time.Millisecond)
	if n := query(); n != 2 {
		t.Errorf("a query on a connection idle for %s took %d turns, want 2 (pgx's ping, then the query)", maxUnpingedIdle, n)
	}
}
