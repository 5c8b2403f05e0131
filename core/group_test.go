package core_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// coldRegistry is a cold start's shape: tables with foreign keys, their
// indexes, a view over them and a data step after them.
func coldRegistry(t *testing.T, tables int) *core.Registry {
	t.Helper()
	var steps []core.Step
	for i := range tables {
		name := fmt.Sprintf("t%02d", i)
		tb := core.Table{Name: name, Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "ref", Type: core.Text},
			{Name: "n", Type: core.Integer, Default: 0},
		}, PrimaryKey: []string{"id"}}
		var after []schema.Option
		if i > 0 {
			prev := fmt.Sprintf("t%02d", i-1)
			tb.ForeignKeys = []core.ForeignKey{{Columns: []string{"ref"}, RefTable: prev, RefColumns: []string{"id"}}}
			after = append(after, schema.After(schema.TableID(prev)))
		}
		steps = append(steps,
			schema.Table(tb, after...),
			schema.Index(core.Index{Name: "ix_" + name, Table: name, Columns: []string{"ref", "n"}}, schema.After(schema.TableID(name))))
	}
	steps = append(steps, schema.View(core.View{Name: "v", Query: func(q core.Quoter) string {
		return "SELECT " + q.Quote("id") + " FROM " + q.Quote("t00")
	}}, schema.After(schema.TableID("t00"))))
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// A cold apply shares one transaction across its steps on SQLite (one
// BEGIN, one fsync, for 21 steps), and with WithStepTransactions takes
// one per step, as before; both converge to the same schema. The times
// are logged, not asserted: the in-process before/after.
func TestColdRunSharesOneTransaction(t *testing.T) {
	ctx := context.Background()
	reg := coldRegistry(t, 10)
	for _, tc := range []struct {
		name   string
		opts   []core.Option
		begins int64
	}{
		{"shared", nil, 1},
		{"per step", []core.Option{core.WithStepTransactions()}, 21},
	} {
		var times []time.Duration
		for range 5 {
			d := sqlitetest.Open(t)
			tx := coretest.CountTransactions(d)
			start := time.Now()
			rep, err := core.NewRunner(d, reg, tc.opts...).Apply(ctx)
			times = append(times, time.Since(start))
			if err != nil || rep.Status != core.RunConverged {
				t.Fatalf("%s: %v\n%s", tc.name, err, coretest.Dump(rep))
			}
			if tx.Begins() != tc.begins {
				t.Fatalf("%s: %d BEGINs for %d steps, want %d", tc.name, tx.Begins(), len(rep.Steps), tc.begins)
			}
			for _, s := range rep.Steps {
				if s.Status != core.StatusApplied || len(s.SQL) == 0 {
					t.Fatalf("%s: step %s %s with %d statements, want applied with its own", tc.name, s.ID, s.Status, len(s.SQL))
				}
			}
			if again, err := core.NewRunner(d, reg).Apply(ctx); err != nil || again.Changed {
				t.Fatalf("%s: second apply: %v, changed %t", tc.name, err, again.Changed)
			}
		}
		slices.Sort(times)
		t.Logf("%s: cold apply of %d steps, median %s (min %s), %d BEGINs", tc.name, len(reg.Steps()), times[2], times[0], tc.begins)
	}
}

// probeStep runs fn in its check and plans nothing.
type probeStep struct {
	id string
	fn func(ctx context.Context, s *core.Session) error
}

func (p probeStep) Info() core.StepInfo { return core.StepInfo{ID: p.id, Description: "probes"} }

func (p probeStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	return &core.Plan{}, p.fn(ctx, s)
}

func table(name string) core.Table {
	return core.Table{Name: name, Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
}

// A check that waits for someone else (BeforeWait) commits what the
// shared transaction holds: another connection sees it at once, and the
// steps after it begin a transaction of their own.
func TestColdRunCommitsBeforeAWait(t *testing.T) {
	ctx := context.Background()
	d := sqlitetest.Open(t)
	seen := -1
	reg, err := core.NewRegistry(
		schema.Table(table("a")),
		probeStep{id: "waits", fn: func(ctx context.Context, s *core.Session) error {
			if err := s.BeforeWait(ctx); err != nil {
				return err
			}
			// Another connection of the pool, outside the run's
			// transaction: it sees only what is committed.
			return d.DB().DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'`).Scan(&seen)
		}},
		schema.Table(table("b")),
	)
	if err != nil {
		t.Fatal(err)
	}
	tx := coretest.CountTransactions(d)
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	if seen != 1 {
		t.Fatalf("after BeforeWait another connection saw %d tables a, want 1 (committed)", seen)
	}
	if tx.Begins() != 2 {
		t.Fatalf("%d BEGINs, want 2 (the wait ended the first transaction)", tx.Begins())
	}
}

// A shared transaction open for its budget (DefaultTransactionBudget)
// commits before the next
// step's check, so the application's writers wait at most about that
// long behind it.
func TestColdRunBoundsASharedTransaction(t *testing.T) {
	ctx := context.Background()
	d := sqlitetest.Open(t)
	reg, err := core.NewRegistry(
		schema.Table(table("a")),
		probeStep{id: "slow", fn: func(ctx context.Context, s *core.Session) error {
			time.Sleep(core.DefaultTransactionBudget + 350*time.Millisecond)
			return nil
		}},
		schema.Table(table("b")),
	)
	if err != nil {
		t.Fatal(err)
	}
	tx := coretest.CountTransactions(d)
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	if tx.Begins() != 2 {
		t.Fatalf("%d BEGINs, want 2 (the budget ended the first transaction)", tx.Begins())
	}
}
