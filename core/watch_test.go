package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
)

// TestWatch: Watch applies again on every tick, so rows that become due
// while the application runs are added without a restart, and it stops
// with the context.
func TestWatch(t *testing.T) {
	d := sqlitetest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := d.DB().ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	st := &rowsStep{want: 3, per: 2}
	reg, err := core.NewRegistry(st)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	err = core.NewRunner(d, reg).Watch(ctx, 10*time.Millisecond, func(rep *core.Report, err error) {
		if err != nil {
			t.Errorf("run %d: %v", runs+1, err)
		}
		runs++
		switch runs {
		case 1:
			if !rep.Changed {
				t.Errorf("first run changed nothing")
			}
			st.want = 5 // the application makes two more rows due
		case 2:
			if !rep.Changed {
				t.Errorf("second run did not add the rows due since")
			}
		case 3:
			if rep.Changed {
				t.Errorf("third run changed something")
			}
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || runs != 3 {
		t.Fatalf("Watch returned %v after %d runs, want context.Canceled after 3", err, runs)
	}
	var n int
	if err := d.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 5 {
		t.Fatalf("%d rows (%v), want 5", n, err)
	}
}
