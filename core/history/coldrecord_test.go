package history_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// A cold start's history table and its first row share one transaction
// (one commit, an fsync on SQLite); once the table is there the row is
// written on its own, as before.
func TestColdRecordOneTransaction(t *testing.T) {
	ctx := context.Background()
	d, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tx := coretest.CountTransactions(d)
	table := func(name string) core.Step {
		return schema.Table(core.Table{Name: name, Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}, PrimaryKey: []string{"id"}})
	}
	apply := func(st core.Step) int64 {
		t.Helper()
		reg, err := core.NewRegistry(st)
		if err != nil {
			t.Fatal(err)
		}
		tx.Reset()
		if _, err := core.NewRunner(d, reg, core.WithRecorder(&history.Recorder{Host: "h", Version: "v"})).Apply(ctx); err != nil {
			t.Fatal(err)
		}
		return tx.Begins()
	}
	// The step's transaction, and one for the history table and its row.
	if n := apply(table("a")); n != 2 {
		t.Fatalf("cold apply began %d transactions, want 2", n)
	}
	// The step's transaction; the row alone needs none.
	if n := apply(table("b")); n != 1 {
		t.Fatalf("second apply began %d transactions, want 1", n)
	}
	runs, err := history.List(ctx, d, 10)
	if err != nil || len(runs) != 2 || runs[0].Status != core.RunConverged || !runs[1].Changed {
		t.Fatalf("history: %+v, %v", runs, err)
	}
}
