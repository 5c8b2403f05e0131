package schema_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// A table, an index and a seed row that must exist, never overwriting an
// administrator's change: the steps are the 14 lines of tenantSettings
// (12 inside the function), against 60 written by hand before.
func Example() {
	dir, _ := os.MkdirTemp("", "groundwork-example")
	defer os.RemoveAll(dir)
	d, _ := sqlite.Open(filepath.Join(dir, "app.db"))
	defer d.Close()
	reg, _ := core.NewRegistry(tenantSettings()...)
	for range 2 { // the second run finds nothing to do
		rep, err := core.NewRunner(d, reg).Apply(context.Background())
		fmt.Println(rep.Status, rep.Changed, err)
	}
	// Output:
	// converged true <nil>
	// converged false <nil>
}

func tenantSettings() []core.Step {
	const tbl = "tenant_settings"
	return []core.Step{
		schema.Table(core.Table{Name: tbl, PrimaryKey: []string{"tenant_id"}, Columns: []core.Column{
			{Name: "tenant_id", Type: core.Text, NotNull: true},
			{Name: "plan", Type: core.Text, NotNull: true, Default: "free"},
			{Name: "seats", Type: core.Integer, NotNull: true, Default: 5},
		}}),
		schema.Index(core.Index{Name: "idx_tenant_settings_plan", Table: tbl, Columns: []string{"plan"}},
			schema.After(schema.TableID(tbl))),
		schema.Rows(tbl, []string{"tenant_id"}, []schema.Row{{"tenant_id": "acme", "plan": "pro", "seats": 50}},
			schema.After(schema.TableID(tbl))),
	}
}
