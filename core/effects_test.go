package core_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// inspectCounter counts catalog inspections of a real SQLite driver.
type inspectCounter struct {
	*sqlite.Driver
	n int
}

func (d *inspectCounter) Inspect(ctx context.Context, db bun.IDB) (*core.Catalog, error) {
	d.n++
	return d.Driver.Inspect(ctx, db)
}

// InspectNames counts too: the runner reads a scoped catalog when every
// step declares its names, as schema steps do.
func (d *inspectCounter) InspectNames(ctx context.Context, db bun.IDB, names []string) (*core.Catalog, error) {
	d.n++
	return d.Driver.InspectNames(ctx, db, names)
}

// A cold start plans every object from one inspection under the lock
// (the ensure algorithm records what it created) and verifies from a
// second one; the check without the lock that found work read a third.
func TestColdRunInspectsOnceToPlanAndOnceToVerify(t *testing.T) {
	d := &inspectCounter{Driver: sqlitetest.Open(t)}

	parent := core.Table{Name: "p", Columns: []core.Column{
		{Name: "id", Type: core.Text, NotNull: true},
		{Name: "r", Type: core.Real, Default: 1.5},
	}, PrimaryKey: []string{"id"}}
	child := core.Table{Name: "c", Columns: []core.Column{
		{Name: "id", Type: core.Text, NotNull: true},
		{Name: "p_id", Type: core.Text, NotNull: true},
	}, PrimaryKey: []string{"id"}, Uniques: []core.Unique{{Columns: []string{"p_id", "id"}}},
		ForeignKeys: []core.ForeignKey{{Columns: []string{"p_id"}, RefTable: "p", RefColumns: []string{"id"}}}}
	reg, err := core.NewRegistry(
		schema.Table(parent),
		schema.Table(child, schema.After(schema.TableID("p"))),
		schema.Index(core.Index{Name: "c_p", Table: "c", Columns: []string{"p_id"}}, schema.After(schema.TableID("c"))),
		schema.View(core.View{Name: "v", Query: func(q core.Quoter) string {
			return "SELECT " + q.Quote("id") + " FROM " + q.Quote("c")
		}}, schema.After(schema.TableID("c"))),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := core.NewRunner(d, reg).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("cold apply: %v, status %s changed %t", err, rep.Status, rep.Changed)
	}
	if d.n != 3 {
		t.Fatalf("cold apply inspected %d times, want 3 (check without the lock, plan, verify)", d.n)
	}
	d.n = 0
	rep, err = core.NewRunner(d, reg).Apply(ctx)
	if err != nil || rep.Changed || rep.Statements != 0 {
		t.Fatalf("warm apply: %v, changed %t, %d statements", err, rep.Changed, rep.Statements)
	}
	if d.n != 1 {
		t.Fatalf("warm apply inspected %d times, want 1", d.n)
	}
}
