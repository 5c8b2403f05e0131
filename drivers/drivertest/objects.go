package drivertest

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Names the suite uses; the odd ones prove quoting end to end.
const (
	parentTable = "gw_parent"
	userTable   = "user"
	childTable  = "gw_child"
	weirdTable  = `we"ird ü`
	weirdColumn = `na"me ✓`
	childIndex  = "gw_child_parent"
	nameIndex   = "gw_parent_name"
	childView   = "gw_child_view"
	seedStepID  = "seed:gw_parent"
)

func parent() model.Table {
	return model.Table{
		Name: parentTable,
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "name", Type: model.Text, NotNull: true},
			{Name: "n", Type: model.Integer, NotNull: true, Default: 0},
			{Name: "big", Type: model.BigInt},
			{Name: "r", Type: model.Real, Default: 1.5},
			{Name: "flag", Type: model.Boolean, NotNull: true, Default: true},
			{Name: "doc", Type: model.JSON},
			{Name: "at", Type: model.Timestamp},
			{Name: "day", Type: model.Date},
			{Name: "note", Type: model.Text, Default: "it's"},
		},
		PrimaryKey: []string{"id"},
	}
}

func users() model.Table {
	return model.Table{
		Name: userTable,
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "email", Type: model.Text},
			{Name: "role", Type: model.Text, NotNull: true, Default: "user"},
		},
		PrimaryKey: []string{"id"},
	}
}

func child() model.Table {
	return model.Table{
		Name: childTable,
		Columns: []model.Column{
			{Name: "id", Type: model.Integer, NotNull: true, AutoIncrement: true},
			{Name: "parent_id", Type: model.Text, NotNull: true},
			{Name: "user_id", Type: model.Text},
			{Name: "label", Type: model.Text, NotNull: true},
		},
		PrimaryKey:  []string{"id"},
		Uniques:     []model.Unique{{Columns: []string{"parent_id", "label"}}},
		ForeignKeys: []model.ForeignKey{{Columns: []string{"parent_id"}, RefTable: parentTable, RefColumns: []string{"id"}}, {Columns: []string{"user_id"}, RefTable: userTable, RefColumns: []string{"id"}}},
	}
}

func weird() model.Table {
	return model.Table{
		Name: weirdTable,
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: weirdColumn, Type: model.Text, Default: `a "quoted" 'value' ; --`},
		},
		PrimaryKey: []string{"id"},
	}
}

func view() model.View {
	return model.View{Name: childView, Query: func(q model.Quoter) string {
		return fmt.Sprintf(`SELECT c.id, c.label, p.name, u.email
FROM %s c JOIN %s p ON p.id = c.parent_id LEFT JOIN %s u ON u.id = c.user_id
WHERE p.flag = TRUE`, q.Quote(childTable), q.Quote(parentTable), q.Quote(userTable))
	}}
}

// registrySteps is the suite's registry: four tables, two indexes, a view
// and a data step, in an order that exercises the dependency sort.
func registrySteps() []core.Step {
	return []core.Step{
		schema.View(view(), schema.After(schema.TableID(childTable), schema.TableID(userTable))),
		schema.Table(parent()),
		schema.Table(users()),
		schema.Table(child(), schema.After(schema.TableID(parentTable), schema.TableID(userTable))),
		schema.Table(weird()),
		schema.Index(model.Index{Name: childIndex, Table: childTable, Columns: []string{"parent_id"}}, schema.After(schema.TableID(childTable))),
		schema.Index(model.Index{Name: nameIndex, Table: parentTable, Columns: []string{"name"}, Unique: true}, schema.After(schema.TableID(parentTable))),
		&seedStep{},
	}
}

// seedStep ensures one row, set-based and race-safe, as a data step does.
type seedStep struct{}

func (*seedStep) Info() core.StepInfo {
	return core.StepInfo{ID: seedStepID, Description: "ensure the first parent row", After: []string{schema.TableID(parentTable)}, Tags: []string{"data"}}
}

// CatalogNames implements core.CatalogScoper.
func (*seedStep) CatalogNames() []string { return []string{parentTable} }

var _ core.Reader = (*seedStep)(nil)

// seedRead counts the seeded row.
func seedRead(s *core.Session) core.Read {
	return core.Read{Columns: []string{"COUNT(*)"}, From: "FROM " + s.Quote(parentTable) + " WHERE id = ?", Args: []any{"p1"}, OneRow: true}
}

// Reads implements core.Reader: the row count, once the table exists.
func (*seedStep) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables[parentTable] == nil {
		return nil, err
	}
	return []core.Read{seedRead(s)}, nil
}

func (*seedStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	if _, ok := cat.Tables[parentTable]; ok {
		var n int64
		if err := s.ReadRow(ctx, seedRead(s), &n); err != nil {
			return nil, err
		}
		if n > 0 {
			return p, nil
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	p.Changes = append(p.Changes, core.Change{
		Summary:  "insert parent p1",
		DataOnly: true,
		Statements: []driver.Statement{{
			SQL:  data.InsertIgnore(parentTable, []string{"id", "name"}, "SELECT ? AS id, ? AS name"),
			Args: []any{"p1", "first; 'quoted' \"name\" ?"},
		}},
	})
	return p, nil
}
