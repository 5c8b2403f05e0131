package postgres

import (
	"context"
	"testing"
	"time"
)

// TestSessionTimeouts: every connection Open makes bounds its statements
// and lock waits on the server, from the step timeout or by default, and
// a URL's own setting wins.
func TestSessionTimeouts(t *testing.T) {
	url := newSchema(t)
	show := func(d *Driver, name string) string {
		t.Helper()
		var v string
		if err := d.DB().QueryRowContext(context.Background(), "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	open := func(url string, opts ...Option) *Driver {
		t.Helper()
		d, err := Open(context.Background(), url, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	for _, tc := range []struct {
		name       string
		url        string
		opts       []Option
		stmt, lock string
	}{
		{"defaults", url, nil, "5min", "10s"},
		{"from the step timeout", url, []Option{WithStepTimeout(2 * time.Second)}, "2s", "2s"},
		{"a long step timeout keeps lock waits short", url, []Option{WithStepTimeout(time.Hour)}, "1h", "10s"},
		{"the URL's own wins", withParam(url, "statement_timeout", "42000"), []Option{WithStepTimeout(time.Second)}, "42s", "1s"},
		{"none in lease mode (for poolers, which refuse them)", url, []Option{WithLockMode(LockLease), WithStepTimeout(time.Second)}, "0", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := open(tc.url, tc.opts...)
			if got := show(d, "statement_timeout"); got != tc.stmt {
				t.Errorf("statement_timeout = %s, want %s", got, tc.stmt)
			}
			if got := show(d, "lock_timeout"); got != tc.lock {
				t.Errorf("lock_timeout = %s, want %s", got, tc.lock)
			}
		})
	}
}
