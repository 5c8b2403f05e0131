package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// coldReadsRun applies a table to create, then n converged Readers, on a
// fresh copy of the kv database, and returns the run's round trips.
func coldReadsRun(t *testing.T, n int) *core.Report {
	t.Helper()
	d := readsDB(t)
	ctx := context.Background()
	for i := range n {
		if _, err := d.DB().ExecContext(ctx, "INSERT INTO kv (id, v) VALUES (?, ?)", fmt.Sprint(i), fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	fresh := core.Table{Name: "fresh", Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
	steps := append([]core.Step{schema.Table(fresh)}, readSteps(n, false)...)
	rep := runReads(t, d, core.ModeApply, steps...)
	if rep.Status != core.RunConverged || !rep.Changed || rep.Steps[0].Status != core.StatusApplied {
		t.Fatalf("cold apply: %+v", rep)
	}
	for i, st := range steps[1:] {
		if got := st.(*readStep).got; got != fmt.Sprint("v", i) {
			t.Fatalf("reader %d read %q", i, got)
		}
	}
	return rep
}

// A cold start whose first step creates a table: the check without the
// lock stops there on the catalog alone, sending none of the Readers'
// reads, and creating the table keeps what the pass under the lock
// prefetched (no read could name it), so five Readers cost what one does:
// the prefetch under the lock and the one of the verify phase.
func TestColdStartKeepsReadsAcrossCreates(t *testing.T) {
	none, one, five := coldReadsRun(t, 0).Queries, coldReadsRun(t, 1).Queries, coldReadsRun(t, 5).Queries
	if one != none+2 || five != one {
		t.Fatalf("round trips: %d without Readers, %d with one, %d with five; want %d, %d", none, one, five, none+2, none+2)
	}
}

// A step that writes rows still makes the checks after it read again.
func TestColdStartReadsAgainAfterData(t *testing.T) {
	d := readsDB(t)
	fresh := core.Table{Name: "fresh", Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
	first := &readStep{id: "test:first", table: "kv", key: "k", v: "new"}
	second := &readStep{id: "test:second", table: "kv", key: "k", v: "new"}
	rep := runReads(t, d, core.ModeApply, schema.Table(fresh), first, second)
	if rep.Steps[1].Status != core.StatusApplied || rep.Steps[2].Status != core.StatusOK || second.got != "new" {
		t.Fatalf("second read %q after first's apply: %+v", second.got, rep.Steps)
	}
}
