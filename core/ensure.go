package core

import (
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/model"
)

// The Plan* functions are the shared ensure algorithm for declarative
// objects: create what is missing, add what can be added without data,
// rebuild what holds no data (indexes, views), and report everything
// else as drift. Nothing that could hold data is ever dropped.

// PlanTable plans table t against the catalog.
func PlanTable(d DDL, cat *Catalog, t Table) *Plan {
	p := &Plan{}
	if _, isView := cat.Views[t.Name]; isView {
		p.AddDrift("table:"+t.Name, "a view has this name; it is not replaced")
		return p
	}
	have, ok := cat.Tables[t.Name]
	if !ok {
		p.addCreate("create table "+t.Name, tableCreated(t), d.CreateTable(t)...)
		return p
	}
	obj := "table:" + t.Name
	for _, c := range t.Columns {
		hc := have.Column(c.Name)
		switch {
		case hc == nil && (!c.NotNull || c.Default != nil) && !c.AutoIncrement && !model.ContainsColumn(t.PrimaryKey, c.Name):
			p.addSchema(fmt.Sprintf("add column %s.%s", t.Name, c.Name), columnAdded(t.Name, c), d.AddColumn(t.Name, c))
		case hc == nil:
			p.AddDrift(obj, "column %s is missing and cannot be added without data (NOT NULL, no default)", c.Name)
		case !columnMatches(d, c, *hc):
			p.AddDrift(obj, "column %s is %s, want %s", c.Name, hc.Type, c.Type)
		case c.NotNull && !hc.NotNull && !model.ContainsColumn(t.PrimaryKey, c.Name):
			p.Notes = append(p.Notes, fmt.Sprintf("column %s.%s allows NULL; declared NOT NULL (left as is)", t.Name, c.Name))
		}
	}
	for _, hc := range have.Columns {
		if t.Column(hc.Name) == nil && !hasColumnFold(t, hc.Name) {
			p.Notes = append(p.Notes, fmt.Sprintf("column %s.%s is not declared (left as is)", t.Name, hc.Name))
		}
	}
	if len(t.PrimaryKey) > 0 && !primaryKeyMatches(have, t.PrimaryKey) {
		p.AddDrift(obj, "primary key is not (%s)", strings.Join(t.PrimaryKey, ", "))
	}
	for _, u := range t.Uniques {
		if !cat.HasUniqueOn(t.Name, u.Columns) {
			p.AddDrift(obj, "unique constraint on (%s) is missing", strings.Join(u.Columns, ", "))
		}
	}
	fa, canAdd := d.(ForeignKeyAdder)
	fr, canReplace := d.(ForeignKeyReplacer)
	for _, fk := range t.ForeignKeys {
		desc := fmt.Sprintf("foreign key %s(%s) → %s", t.Name, strings.Join(fk.Columns, ", "), fk.RefTable)
		h := findForeignKey(have, fk)
		switch {
		case h != nil && SameAction(h.OnDelete, fk.OnDelete):
		case h != nil && canReplace && h.Name != "":
			p.addSchema(fmt.Sprintf("replace %s: ON DELETE %s → %s", desc, h.OnDelete, fk.OnDelete),
				foreignKeyReplaced(t.Name, *h, fk), fr.ReplaceForeignKey(t.Name, *h, fk)...)
		case h != nil:
			p.Notes = append(p.Notes, fmt.Sprintf("%s is ON DELETE %s, declared %s (left as is: this dialect cannot change a foreign key without rebuilding the table)",
				desc, h.OnDelete, fk.OnDelete))
		case canAdd && createdThisRun(cat, fk.RefTable):
			p.addSchema("add "+desc+" (existing rows are not checked)", foreignKeyAdded(t.Name, fk), fa.AddForeignKey(t.Name, fk))
		default:
			p.Notes = append(p.Notes, desc+" is missing (not added to an existing table)")
		}
	}
	return p
}

// foreignKeyReplaced records the replacement in the run's snapshot.
func foreignKeyReplaced(table string, old ForeignKeyState, fk ForeignKey) func(*Catalog) {
	return func(c *Catalog) {
		ts := c.Tables[table]
		if ts == nil {
			return
		}
		for i := range ts.ForeignKeys {
			if ts.ForeignKeys[i].Name == old.Name {
				// The new key's name is the driver's choice: unknown
				// until the next inspection.
				ts.ForeignKeys[i] = fk.State()
			}
		}
	}
}

// PlanIndex plans index ix against the catalog.
func PlanIndex(d DDL, cat *Catalog, ix Index) *Plan {
	p := &Plan{}
	have, ok := cat.Indexes[ix.Name]
	switch {
	case !ok:
		kind := "index"
		if ix.Unique {
			kind = "unique index"
		}
		p.addCreate(fmt.Sprintf("create %s %s on %s (%s)", kind, ix.Name, ix.Table, strings.Join(ix.Columns, ", ")),
			indexCreated(ix), createIndex(d, cat, ix))
	case have.Constraint:
		p.AddDrift("index:"+ix.Name, "the name belongs to a constraint of table %s; it is not rebuilt", have.Table)
	case !strings.EqualFold(have.Table, ix.Table) || !model.SameColumnList(have.Columns, ix.Columns) || have.Unique != ix.Unique:
		p.addSchema(fmt.Sprintf("rebuild index %s: %s(%s) unique=%t → %s(%s) unique=%t", ix.Name,
			have.Table, strings.Join(have.Columns, ", "), have.Unique,
			ix.Table, strings.Join(ix.Columns, ", "), ix.Unique),
			indexCreated(ix), d.DropIndex(have), createIndex(d, cat, ix))
	}
	return p
}

// PlanView plans view v against the catalog.
func PlanView(d DDL, cat *Catalog, v View) *Plan {
	p := &Plan{}
	if _, isTable := cat.Tables[v.Name]; isTable {
		p.AddDrift("view:"+v.Name, "a table has this name; it is not replaced")
		return p
	}
	have, ok := cat.Views[v.Name]
	switch {
	case !ok:
		p.addCreate("create view "+v.Name, viewCreated(v), d.CreateView(v)...)
	case !have.FromPlan && !d.ViewMatches(v, have):
		p.addSchema("replace view "+v.Name+": its definition differs", viewCreated(v), d.ReplaceView(v)...)
	}
	return p
}

func hasColumnFold(t Table, name string) bool {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

func primaryKeyMatches(have *TableState, pk []string) bool {
	var cols []string
	for _, c := range have.Columns {
		if c.PrimaryKey {
			cols = append(cols, c.Name)
		}
	}
	return model.SameColumnSet(cols, pk)
}

// findForeignKey returns the key of have on fk's columns to fk's table,
// or nil. Keys are matched by what they connect, never by name: names
// differ between dialects and between whoever created them.
func findForeignKey(have *TableState, fk ForeignKey) *ForeignKeyState {
	for i, h := range have.ForeignKeys {
		if strings.EqualFold(h.RefTable, fk.RefTable) && model.SameColumnList(h.Columns, fk.Columns) {
			return &have.ForeignKeys[i]
		}
	}
	return nil
}

// columnMatches is d.ColumnMatches, or for a column this run created (its
// state recorded, not read) the declared portable type.
func columnMatches(d DDL, want Column, have ColumnState) bool {
	if have.FromPlan {
		return string(want.Type) == have.Type
	}
	return d.ColumnMatches(want, have)
}

// createdThisRun reports whether table was created earlier in this run.
// Only then is a missing foreign key to it added back: it was lost when
// the table was dropped with CASCADE, while a key that an existing table
// never had is left to the operator (adding it would start refusing
// deletes the application makes today).
func createdThisRun(cat *Catalog, table string) bool {
	t := cat.Tables[table]
	return t != nil && t.FromPlan
}
