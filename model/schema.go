package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ColumnType is a portable column type. Drivers map each to a native type
// and decide which native types count as the same (see DDL.ColumnMatches).
type ColumnType string

// The portable column types.
const (
	Text      ColumnType = "text"
	Integer   ColumnType = "integer"
	BigInt    ColumnType = "bigint"
	Real      ColumnType = "real"
	Boolean   ColumnType = "boolean"
	JSON      ColumnType = "json"
	Timestamp ColumnType = "timestamp"
	Date      ColumnType = "date"
)

func (t ColumnType) valid() bool {
	switch t {
	case Text, Integer, BigInt, Real, Boolean, JSON, Timestamp, Date:
		return true
	}
	return false
}

// Column describes one column of a Table.
type Column struct {
	Name    string
	Type    ColumnType
	NotNull bool
	// Default is a Go value rendered as a literal by the driver: string,
	// int, int64, float64 or bool. nil means no default.
	Default any
	// AutoIncrement makes an integer primary key draw its values from the
	// database (SERIAL / AUTOINCREMENT / AUTO_INCREMENT).
	AutoIncrement bool
}

// ForeignKey is a reference from Columns to RefTable(RefColumns).
type ForeignKey struct {
	Columns    []string
	RefTable   string
	RefColumns []string
	// OnDelete is what deleting a referenced row does to the rows that
	// refer to it. The zero value, NoAction, makes the delete fail while
	// they exist: a key to a table another application owns should
	// rather Cascade, so that application's deletes go on working.
	OnDelete ReferentialAction
}

// ReferentialAction is the ON DELETE action of a foreign key.
type ReferentialAction string

// The referential actions every supported database has. Restrict differs
// from NoAction only in when the check runs; both refuse the delete.
const (
	NoAction   ReferentialAction = ""
	Cascade    ReferentialAction = "cascade"
	SetNull    ReferentialAction = "set null"
	SetDefault ReferentialAction = "set default"
	Restrict   ReferentialAction = "restrict"
)

// ActionUnknown is what a driver reads when the catalog does not show a
// key's action to this user (MySQL/MariaDB hide REFERENTIAL_CONSTRAINTS
// from a role with only SELECT on the table). It matches every action, so
// a read-only verify does not report drift it cannot see; a declaration
// cannot use it.
const ActionUnknown ReferentialAction = "unknown"

// ParseReferentialAction reads an action as a catalog spells it ("NO
// ACTION", "CASCADE", "SET NULL", …, in any case); an empty or unknown
// spelling is NoAction, the databases' own default.
func ParseReferentialAction(s string) ReferentialAction {
	switch a := ReferentialAction(strings.ToLower(strings.Join(strings.Fields(s), " "))); a {
	case Cascade, SetNull, SetDefault, Restrict:
		return a
	}
	return NoAction
}

// String is the action as SQL spells it after ON DELETE.
func (a ReferentialAction) String() string {
	if a == NoAction {
		return "NO ACTION"
	}
	return strings.ToUpper(string(a))
}

// Refuses reports whether the action makes a delete of a referenced row
// fail (NO ACTION and RESTRICT).
func (a ReferentialAction) Refuses() bool { return a == NoAction || a == Restrict }

// SameAction reports whether two actions behave alike on a delete:
// NO ACTION and RESTRICT both refuse it (MariaDB reports an unspecified
// action as RESTRICT, MySQL as NO ACTION).
func SameAction(a, b ReferentialAction) bool {
	return a == b || a == ActionUnknown || b == ActionUnknown || a.Refuses() && b.Refuses()
}

func (a ReferentialAction) valid() bool {
	switch a {
	case NoAction, Cascade, SetNull, SetDefault, Restrict:
		return true
	}
	return false
}

// State is the catalog entry the key makes, for a change that creates it.
func (fk ForeignKey) State() ForeignKeyState {
	return ForeignKeyState{Columns: fk.Columns, RefTable: fk.RefTable, RefColumns: fk.RefColumns, OnDelete: fk.OnDelete}
}

// Unique is a unique constraint declared with the table.
type Unique struct {
	Columns []string
}

// Table is the declarative spec of a table.
type Table struct {
	Name        string
	Columns     []Column
	PrimaryKey  []string
	Uniques     []Unique
	ForeignKeys []ForeignKey
}

// Column returns the column named name, or nil.
func (t Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// Index is the declarative spec of an index.
type Index struct {
	Name    string
	Table   string
	Columns []string
	Unique  bool
}

// View is the declarative spec of a view. Query renders the SELECT for a
// dialect: identifiers that need quoting (a table named "user") go
// through q, so one definition serves every dialect.
type View struct {
	Name  string
	Query func(q Quoter) string
}

// SQL renders the view's query for q, without the trailing semicolon or
// white space a declaration may end with, ready to follow "AS".
func (v View) SQL(q Quoter) string {
	return strings.TrimRight(strings.TrimSpace(v.Query(q)), "; \t\r\n")
}

// Quoter quotes identifiers for one dialect.
type Quoter interface {
	Quote(ident string) string
}

// MaxIdentLen is the longest identifier groundwork accepts: the smallest
// limit of the supported databases (MySQL's 64; PostgreSQL truncates at 63
// bytes, so 63 it is).
const MaxIdentLen = 63

// ValidateIdent rejects names no supported database stores unchanged, before
// anything is written.
func ValidateIdent(kind, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("model: %s name is empty: %w", kind, ErrInvalid)
	case len(name) > MaxIdentLen:
		return fmt.Errorf("model: %s name %q is %d bytes, longer than %d: %w", kind, name, len(name), MaxIdentLen, ErrInvalid)
	case !utf8.ValidString(name):
		return fmt.Errorf("model: %s name %q is not valid UTF-8: %w", kind, name, ErrInvalid)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("model: %s name %q contains a NUL byte: %w", kind, name, ErrInvalid)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("model: %s name %q has leading or trailing spaces: %w", kind, name, ErrInvalid)
	case len(name) >= len(sqliteReserved) && strings.EqualFold(name[:len(sqliteReserved)], sqliteReserved):
		return fmt.Errorf("model: %s name %q starts with %q, which SQLite reserves for its own objects: %w", kind, name, sqliteReserved, ErrInvalid)
	case strings.IndexFunc(name, func(r rune) bool { return r > 0xFFFF }) >= 0:
		return fmt.Errorf("model: %s name %q has a character outside Unicode's Basic Multilingual Plane (an emoji, say), which MySQL and MariaDB cannot store in a name: %w", kind, name, ErrInvalid)
	case kind == "column" && pgSystemColumns[name]:
		return fmt.Errorf("model: column name %q is a system column of every PostgreSQL table: %w", name, ErrInvalid)
	}
	return nil
}

// sqliteReserved starts the names SQLite keeps for itself, in any case.
const sqliteReserved = "sqlite_"

// pgSystemColumns are the names PostgreSQL gives the hidden columns of
// every table; a column cannot have one of them.
var pgSystemColumns = map[string]bool{"tableoid": true, "xmin": true, "cmin": true, "xmax": true, "cmax": true, "ctid": true}

// Validate checks a table spec for mistakes a database would only report
// half-way through a run.
func (t Table) Validate() error {
	if err := ValidateIdent("table", t.Name); err != nil {
		return err
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("model: table %q has no columns: %w", t.Name, ErrInvalid)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if err := ValidateIdent("column", c.Name); err != nil {
			return err
		}
		if seen[c.Name] {
			return fmt.Errorf("model: table %q: column %q declared twice: %w", t.Name, c.Name, ErrInvalid)
		}
		seen[c.Name] = true
		if !c.Type.valid() {
			return fmt.Errorf("model: table %q: column %q has unknown type %q: %w", t.Name, c.Name, c.Type, ErrInvalid)
		}
	}
	known := func(cols []string, what string) error {
		for _, c := range cols {
			if !seen[c] {
				return fmt.Errorf("model: table %q: %s names unknown column %q: %w", t.Name, what, c, ErrInvalid)
			}
		}
		return nil
	}
	if err := known(t.PrimaryKey, "primary key"); err != nil {
		return err
	}
	for _, u := range t.Uniques {
		if err := known(u.Columns, "unique constraint"); err != nil {
			return err
		}
	}
	for _, fk := range t.ForeignKeys {
		if err := known(fk.Columns, "foreign key"); err != nil {
			return err
		}
		if len(fk.Columns) != len(fk.RefColumns) || fk.RefTable == "" {
			return fmt.Errorf("model: table %q: foreign key %v → %s%v is malformed: %w", t.Name, fk.Columns, fk.RefTable, fk.RefColumns, ErrInvalid)
		}
		if !fk.OnDelete.valid() {
			return fmt.Errorf("model: table %q: foreign key %v → %s has unknown ON DELETE action %q: %w", t.Name, fk.Columns, fk.RefTable, string(fk.OnDelete), ErrInvalid)
		}
		if fk.OnDelete == SetNull {
			for _, c := range fk.Columns {
				if col := t.Column(c); col != nil && col.NotNull {
					return fmt.Errorf("model: table %q: foreign key %v → %s sets NULL on delete, but column %q is NOT NULL: %w", t.Name, fk.Columns, fk.RefTable, c, ErrInvalid)
				}
			}
		}
	}
	return nil
}

// Validate checks an index spec.
func (ix Index) Validate() error {
	if err := ValidateIdent("index", ix.Name); err != nil {
		return err
	}
	if err := ValidateIdent("table", ix.Table); err != nil {
		return err
	}
	if len(ix.Columns) == 0 {
		return fmt.Errorf("model: index %q has no columns: %w", ix.Name, ErrInvalid)
	}
	return nil
}
