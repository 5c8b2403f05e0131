package core_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// oldStep declares no catalog names, as custom steps written before
// CatalogScoper do.
type oldStep struct{}

func (oldStep) Info() core.StepInfo { return core.StepInfo{ID: "old"} }
func (oldStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	return &core.Plan{}, nil
}

func TestCatalogScope(t *testing.T) {
	tb := core.Table{Name: "t", Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}, {Name: "p", Type: core.Text}},
		PrimaryKey: []string{"id"}, ForeignKeys: []core.ForeignKey{{Columns: []string{"p"}, RefTable: "host", RefColumns: []string{"id"}}}}
	steps := []core.Step{
		schema.Table(tb),
		schema.Index(core.Index{Name: "t_p", Table: "t", Columns: []string{"p"}}),
		schema.View(core.View{Name: "v", Query: func(core.Quoter) string { return "SELECT 1" }}),
	}
	names, ok := core.CatalogScope(steps, nil)
	if want := []string{"host", "t", "t_p", "v"}; !ok || !slices.Equal(names, want) {
		t.Fatalf("CatalogScope = %v, %t; want %v, true", names, ok, want)
	}
	if names, ok := core.CatalogScope(append(steps, oldStep{})); ok || names != nil {
		t.Fatalf("with an undeclaring step CatalogScope = %v, %t; want nil, false (read everything)", names, ok)
	}
	if _, ok := core.CatalogScope(steps, struct{}{}); ok {
		t.Fatal("an undeclaring recorder must make the read whole")
	}
}

// scopeCounter counts the scoped reads core.Inspect chose.
type scopeCounter struct {
	core.Driver
	scoped int
}

func (d *scopeCounter) InspectNames(ctx context.Context, db bun.IDB, names []string) (*core.Catalog, error) {
	d.scoped++
	return d.Driver.(core.ScopedInspector).InspectNames(ctx, db, names)
}

func TestInspectChoosesTheRead(t *testing.T) {
	d := &scopeCounter{Driver: sqlitetest.Open(t)}
	ctx := context.Background()
	if _, err := d.Driver.DB().ExecContext(ctx, `CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	cat, err := core.Inspect(ctx, d, d.DB(), []string{"a"})
	if err != nil || d.scoped != 1 || cat.Tables["a"] == nil || cat.Tables["b"] != nil {
		t.Fatalf("scoped read: %v, %d scoped calls, tables %v", err, d.scoped, cat.Tables)
	}
	if cat, err = core.Inspect(ctx, d, d.DB(), nil); err != nil || d.scoped != 1 || cat.Tables["b"] == nil {
		t.Fatalf("nil names must read everything: %v, %d scoped calls", err, d.scoped)
	}
	many := make([]string, core.MaxScopedNames+1)
	for i := range many {
		many[i] = fmt.Sprint("n", i)
	}
	if cat, err = core.Inspect(ctx, d, d.DB(), many); err != nil || d.scoped != 1 || cat.Tables["b"] == nil {
		t.Fatalf("more than MaxScopedNames names must read everything: %v, %d scoped calls", err, d.scoped)
	}
	if cat, err = core.Inspect(ctx, d.Driver, d.DB(), []string{}); err != nil || len(cat.Tables) != 0 {
		t.Fatalf("no names: %v, tables %v", err, cat.Tables)
	}
}
