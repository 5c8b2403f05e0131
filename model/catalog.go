package model

import "strings"

// Catalog is what a driver found in the database: one snapshot, read in a
// fixed number of queries whatever the number of objects.
type Catalog struct {
	Tables  map[string]*TableState
	Indexes map[string]*IndexState
	Views   map[string]*ViewState
}

// NewCatalog returns an empty catalog ready to be filled.
func NewCatalog() *Catalog {
	return &Catalog{
		Tables:  map[string]*TableState{},
		Indexes: map[string]*IndexState{},
		Views:   map[string]*ViewState{},
	}
}

// TableState is a table as it exists.
type TableState struct {
	Name        string
	Columns     []ColumnState
	ForeignKeys []ForeignKeyState
	// FromPlan marks a table the runner created in this run (see
	// ColumnState.FromPlan).
	FromPlan bool
}

// Column returns the column named name (case-insensitively, as every
// supported database compares quoted names it created the same way), or nil.
func (t *TableState) Column(name string) *ColumnState {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i]
		}
	}
	return nil
}

// ColumnState is a column as it exists. Type is the native type as the
// catalog spells it, lower-cased.
type ColumnState struct {
	Name       string
	Type       string
	NotNull    bool
	Default    string
	PrimaryKey bool
	// FromPlan marks a column the runner recorded after creating it in this
	// run, not one read from the database: Type is then the portable type
	// it was declared with.
	FromPlan bool
}

// ForeignKeyState is a foreign key as it exists.
type ForeignKeyState struct {
	// Name is the constraint's name where the dialect has one to drop it
	// by (PostgreSQL, MySQL); "" on SQLite and for a key this run created.
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   ReferentialAction
}

// IndexState is an index as it exists, including the ones that back
// primary keys and unique constraints (Constraint is true for those).
type IndexState struct {
	Name       string
	Table      string
	Columns    []string
	Unique     bool
	Constraint bool
}

// ViewState is a view as it exists. Definition is whatever the driver
// compares (the stored SQL, or the server's normalized text); Marker is
// driver-owned metadata such as the fingerprint groundwork left behind.
type ViewState struct {
	Name       string
	Definition string
	Marker     string
	// FromPlan marks a view the runner created or replaced in this run
	// (see ColumnState.FromPlan).
	FromPlan bool
}

// HasUniqueOn reports whether some unique index or constraint of table
// covers exactly cols, in any order.
func (c *Catalog) HasUniqueOn(table string, cols []string) bool {
	for _, ix := range c.Indexes {
		if ix.Unique && strings.EqualFold(ix.Table, table) && SameColumnSet(ix.Columns, cols) {
			return true
		}
	}
	return false
}

// SameColumnSet reports whether a and b name the same columns, in any
// order, ignoring case (as every supported database does).
func SameColumnSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[strings.ToLower(s)]++
	}
	for _, s := range b {
		k := strings.ToLower(s)
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}

// SameColumnList reports whether a and b name the same columns in the
// same order, ignoring case.
func SameColumnList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// ContainsColumn reports whether list names column name, ignoring case.
func ContainsColumn(list []string, name string) bool {
	for _, x := range list {
		if strings.EqualFold(x, name) {
			return true
		}
	}
	return false
}
