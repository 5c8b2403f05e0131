package core_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
)

// rowsStep keeps table t holding the ids 1..want, as a Convergence change
// in batches of per ids; skip, when set, is an id its batches never
// insert (a real failure the proof must catch).
type rowsStep struct {
	want, per, skip int
}

func (s *rowsStep) Info() core.StepInfo { return core.StepInfo{ID: "test:rows"} }

func (s *rowsStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	have, err := sess.Count(ctx, "SELECT COUNT(*) FROM t")
	if err != nil {
		return nil, err
	}
	if int(have) >= s.want {
		return &core.Plan{}, nil
	}
	return &core.Plan{Changes: []core.Change{{
		Summary: fmt.Sprintf("add %d rows", s.want-int(have)), DataOnly: true, Convergence: true, Count: int64(s.want) - have,
		Statements: []core.Statement{{SQL: "-- shown only"}},
		Batches:    &rowBatches{s: s},
	}}}, nil
}

type rowBatches struct {
	s    *rowsStep
	next int
}

func (b *rowBatches) NextBatch(_ context.Context, _ *core.Session, _ *core.BatchResult) (*core.Batch, error) {
	lo := b.next + 1
	if lo > b.s.want {
		return nil, nil
	}
	hi := min(lo+b.s.per-1, b.s.want)
	b.next = hi
	var stmts []core.Statement
	for id := lo; id <= hi; id++ {
		if id != b.s.skip {
			stmts = append(stmts, core.Statement{SQL: "INSERT INTO t (id) VALUES (?) ON CONFLICT DO NOTHING", Args: []any{id}})
		}
	}
	return &core.Batch{
		Statements: stmts,
		Proof:      &core.Statement{SQL: "SELECT ? - COUNT(*) FROM t WHERE id BETWEEN ? AND ?", Args: []any{hi - lo + 1, lo, hi}},
		Label:      fmt.Sprintf("%d-%d", lo, hi),
	}, nil
}

// TestBatches: a batched change commits each batch on its own, verify
// reports a Convergence plan as pending with its count, and a batch
// whose proof fails rolls back alone, failing the run with
// ErrNotConverged while the batches before it stay committed.
func TestBatches(t *testing.T) {
	ctx := context.Background()
	d := sqlitetest.Open(t)
	if _, err := d.DB().ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	run := func(st *rowsStep) *core.Runner {
		reg, err := core.NewRegistry(st)
		if err != nil {
			t.Fatal(err)
		}
		return core.NewRunner(d, reg)
	}

	rep, err := run(&rowsStep{want: 10, per: 4}).Verify(ctx)
	if err != nil || rep.Status != core.RunPending || rep.Steps[0].Status != core.StatusPending || rep.Steps[0].Pending != 10 {
		t.Fatalf("verify of data the next apply adds: want pending (10), got %v %+v", err, rep)
	}

	rep, err = run(&rowsStep{want: 10, per: 4}).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged || rep.Steps[0].Batches != 3 || rep.Steps[0].RowsAffected != 10 {
		t.Fatalf("apply in batches: %v %+v", err, rep)
	}

	rep, err = run(&rowsStep{want: 20, per: 4, skip: 17}).Apply(ctx)
	if !errors.Is(err, core.ErrNotConverged) || rep.Status != core.RunFailed {
		t.Fatalf("a batch that leaves a row out: want ErrNotConverged, got %v", err)
	}
	var n int
	if err := d.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 16 {
		t.Fatalf("%d rows: want the 16 of the batches before the failing one, committed, and none of it", n)
	}
}
