package model

import "strings"

// The recorders bring a catalog snapshot up to date with what a run just
// created, so it need not be read again: the runner applies them after a
// change has run, a CatalogGuesser to build the catalog it expects.

// RecordTable records t in the catalog as created: its columns, primary
// key, unique constraints and foreign keys, marked FromPlan (known from
// the declaration, not read from the database).
func (c *Catalog) RecordTable(t Table) {
	ts := &TableState{Name: t.Name, FromPlan: true}
	for _, col := range t.Columns {
		pk := ContainsColumn(t.PrimaryKey, col.Name)
		ts.Columns = append(ts.Columns, ColumnState{
			Name: col.Name, Type: string(col.Type), NotNull: col.NotNull || pk, PrimaryKey: pk, FromPlan: true,
		})
	}
	for _, fk := range t.ForeignKeys {
		ts.ForeignKeys = append(ts.ForeignKeys, fk.State())
	}
	c.Tables[t.Name] = ts
	if len(t.PrimaryKey) > 0 {
		c.Indexes[constraintKey(t.Name, t.PrimaryKey)] = &IndexState{Table: t.Name, Columns: t.PrimaryKey, Unique: true, Constraint: true}
	}
	for _, u := range t.Uniques {
		c.Indexes[constraintKey(t.Name, u.Columns)] = &IndexState{Table: t.Name, Columns: u.Columns, Unique: true, Constraint: true}
	}
}

// constraintKey names a constraint's index in the snapshot; the NUL byte
// keeps it apart from every valid index name.
func constraintKey(table string, cols []string) string {
	return "\x00" + table + "(" + strings.Join(cols, ",") + ")"
}

// RecordColumn records col as added to table, if the catalog has it.
func (c *Catalog) RecordColumn(table string, col Column) {
	if ts := c.Tables[table]; ts != nil {
		ts.Columns = append(ts.Columns, ColumnState{Name: col.Name, Type: string(col.Type), NotNull: col.NotNull, FromPlan: true})
	}
}

// RecordForeignKey records fk as added to table, if the catalog has it.
func (c *Catalog) RecordForeignKey(table string, fk ForeignKey) {
	if ts := c.Tables[table]; ts != nil {
		ts.ForeignKeys = append(ts.ForeignKeys, fk.State())
	}
}

// RecordIndex records ix as created.
func (c *Catalog) RecordIndex(ix Index) {
	c.Indexes[ix.Name] = &IndexState{Name: ix.Name, Table: ix.Table, Columns: ix.Columns, Unique: ix.Unique}
}

// RecordView records v as created.
func (c *Catalog) RecordView(v View) {
	c.Views[v.Name] = &ViewState{Name: v.Name, FromPlan: true}
}

// AddTable records t in the catalog as the runner records a table it
// created (with its primary key and unique constraints), for a
// CatalogGuesser, unless the catalog has a table of that name: several
// steps may expect the same object, and the first one's guess stands.
func (c *Catalog) AddTable(t Table) {
	if c.Tables[t.Name] == nil {
		c.RecordTable(t)
	}
}

// AddIndex records ix in the catalog as created, unless it has an index
// of that name (as AddTable).
func (c *Catalog) AddIndex(ix Index) {
	if c.Indexes[ix.Name] == nil {
		c.RecordIndex(ix)
	}
}

// AddView records v in the catalog as created, unless it has a view of
// that name (as AddTable).
func (c *Catalog) AddView(v View) {
	if c.Views[v.Name] == nil {
		c.RecordView(v)
	}
}
