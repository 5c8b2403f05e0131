package sqlite

import (
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/groundworkdb/groundwork/model"
)

var nativeTypes = map[model.ColumnType]string{
	model.Text:      "TEXT",
	model.Integer:   "INTEGER",
	model.BigInt:    "BIGINT",
	model.Real:      "REAL",
	model.Boolean:   "BOOLEAN",
	model.JSON:      "JSON",
	model.Timestamp: "TIMESTAMP",
	model.Date:      "DATE",
}

func (d *Driver) column(c model.Column, inlinePK bool) string {
	s := d.Quote(c.Name) + " " + nativeTypes[c.Type]
	if inlinePK {
		// Only "INTEGER PRIMARY KEY" aliases the rowid, which AUTOINCREMENT needs.
		return d.Quote(c.Name) + " INTEGER PRIMARY KEY AUTOINCREMENT"
	}
	if c.NotNull {
		s += " NOT NULL"
	}
	if c.Default != nil {
		s += " DEFAULT " + d.literal(c.Default)
	}
	return s
}

func (d *Driver) literal(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "1"
		}
		return "0"
	}
	return string(d.DB().QueryGen().Append(nil, v))
}

// CreateTable implements driver.DDL.
func (d *Driver) CreateTable(t model.Table) []string {
	inlinePK := len(t.PrimaryKey) == 1 && t.Column(t.PrimaryKey[0]) != nil && t.Column(t.PrimaryKey[0]).AutoIncrement
	var parts []string
	for _, c := range t.Columns {
		pkCol := inlinePK && c.Name == t.PrimaryKey[0]
		if !pkCol && len(t.PrimaryKey) > 0 && containsName(t.PrimaryKey, c.Name) {
			c.NotNull = true // SQLite would otherwise let a text key be NULL
		}
		parts = append(parts, d.column(c, pkCol))
	}
	parts = append(parts, sqlkit.TableConstraints(d, t, !inlinePK)...)
	return []string{"CREATE TABLE IF NOT EXISTS " + d.Quote(t.Name) + " (\n  " + strings.Join(parts, ",\n  ") + "\n)"}
}

// AddColumn implements driver.DDL.
func (d *Driver) AddColumn(table string, c model.Column) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD COLUMN " + d.column(c, false)
}

// CreateIndex implements driver.DDL.
func (d *Driver) CreateIndex(ix model.Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s (%s)", unique, d.Quote(ix.Name), d.Quote(ix.Table), driver.QuoteList(d, ix.Columns))
}

// DropIndex implements driver.DDL.
func (d *Driver) DropIndex(ix *model.IndexState) string {
	return "DROP INDEX IF EXISTS " + d.Quote(ix.Name)
}

func (d *Driver) viewSQL(v model.View) string {
	return "CREATE VIEW " + d.Quote(v.Name) + " AS " + strings.TrimSpace(v.Query(d))
}

// CreateView implements driver.DDL.
func (d *Driver) CreateView(v model.View) []string {
	return []string{d.viewSQL(v)}
}

// ReplaceView implements driver.DDL.
func (d *Driver) ReplaceView(v model.View) []string {
	return []string{"DROP VIEW IF EXISTS " + d.Quote(v.Name), d.viewSQL(v)}
}

// ViewMatches implements driver.DDL. SQLite keeps the text of CREATE VIEW as
// it was given, so the normalized statement is the definition.
func (d *Driver) ViewMatches(want model.View, have *model.ViewState) bool {
	return sqlkit.NormalizeSQL(have.Definition) == sqlkit.NormalizeSQL(d.viewSQL(want))
}

// ColumnMatches implements driver.DDL by SQLite's type affinity rules: a
// column matches when its declared type has the affinity the portable
// type needs.
func (d *Driver) ColumnMatches(want model.Column, have model.ColumnState) bool {
	t := strings.ToLower(have.Type)
	aff := affinity(t)
	switch want.Type {
	case model.Text:
		return aff == "text"
	case model.Integer, model.BigInt:
		return aff == "integer"
	case model.Boolean:
		return aff == "integer" || strings.HasPrefix(t, "bool")
	case model.Real:
		return aff == "real" || aff == "numeric" && !strings.Contains(t, "bool")
	case model.JSON:
		return aff == "text" || t == "json" || t == "jsonb"
	case model.Timestamp, model.Date:
		return t == "timestamp" || t == "datetime" || t == "date" || aff == "text" || aff == "integer"
	}
	return false
}

// affinity is SQLite's rule for a declared type (section 3.1 of its
// datatype documentation).
func affinity(t string) string {
	switch {
	case strings.Contains(t, "int"):
		return "integer"
	case strings.Contains(t, "char"), strings.Contains(t, "clob"), strings.Contains(t, "text"):
		return "text"
	case strings.Contains(t, "blob"), t == "":
		return "blob"
	case strings.Contains(t, "real"), strings.Contains(t, "floa"), strings.Contains(t, "doub"):
		return "real"
	}
	return "numeric"
}

func containsName(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
