package mysql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// nativeTypes maps the portable types.
//
//   - Text is TEXT, except a text column that is part of the table's
//     primary key, of one of its unique constraints or of one of its
//     foreign keys: that one is VARCHAR(255) (see keyText).
//   - Real is DOUBLE, the 8-byte float, so 1.3 reads back as 1.3.
//   - Boolean is BOOLEAN, which both servers store as TINYINT(1).
//   - JSON is JSON: MySQL's binary JSON type, on MariaDB an alias of
//     LONGTEXT with a json_valid CHECK (the catalog shows "longtext").
//   - Timestamp is DATETIME(6), not TIMESTAMP: TIMESTAMP ends in 2038 and,
//     on servers with explicit_defaults_for_timestamp off, gets an
//     implicit ON UPDATE CURRENT_TIMESTAMP. go-sql-driver writes and reads
//     it in the DSN's loc, UTC unless the DSN says otherwise.
//   - BigInt is BIGINT, 64 bits, for epoch seconds and milliseconds.
var nativeTypes = map[model.ColumnType]string{
	model.Text:      "TEXT",
	model.Integer:   "INT",
	model.BigInt:    "BIGINT",
	model.Real:      "DOUBLE",
	model.Boolean:   "BOOLEAN",
	model.JSON:      "JSON",
	model.Timestamp: "DATETIME(6)",
	model.Date:      "DATE",
}

// keyText is the type of a text column that a key of its table covers.
// A TEXT column can only be a key with a prefix length, and a prefix key
// does not make the whole value unique or referenceable; VARCHAR(255) can
// be a key in full (255 characters of utf8mb4 are 1020 bytes, so three
// fit in InnoDB's 3072-byte limit), at the price of refusing longer
// values. Ids, API keys and model ids are far shorter.
const keyText = "VARCHAR(255)"

// prefixLen is the prefix length, in characters, of a TEXT (or BLOB)
// column in an index created by CreateIndex.
const prefixLen = 255

func (d *Driver) columnType(c model.Column, key bool) string {
	if c.Type == model.Text && key {
		return keyText
	}
	return nativeTypes[c.Type]
}

func (d *Driver) column(c model.Column, key bool) string {
	typ := d.columnType(c, key)
	s := d.Quote(c.Name) + " " + typ
	if c.AutoIncrement && (c.Type == model.Integer || c.Type == model.BigInt) {
		// AUTO_INCREMENT takes no DEFAULT; the primary key makes it a key.
		return s + " NOT NULL AUTO_INCREMENT"
	}
	if c.NotNull {
		s += " NOT NULL"
	}
	if c.Default != nil {
		s += " DEFAULT " + defaultValue(c.Default)
	}
	return s
}

// defaultValue renders a column default. A string default is written as
// an expression in parentheses, which MySQL 8.0.13+ and MariaDB 10.2+
// accept for every column type: MySQL refuses a plain literal default on
// a TEXT or JSON column. Numbers and booleans are plain literals.
func defaultValue(v any) string {
	if s, ok := v.(string); ok {
		return "(" + stringLiteral(s) + ")"
	}
	return literal(v)
}

// literal renders v as an SQL literal.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return stringLiteral(x)
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case int:
		return strconv.Itoa(x)
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return stringLiteral(fmt.Sprint(v))
}

// stringLiteral renders s so that the server reads it back exactly,
// whatever its sql_mode: a quote is doubled, never escaped with a
// backslash, and a backslash (which NO_BACKSLASH_ESCAPES reads as itself
// and the default mode as an escape) is spelled CHAR(92 USING ascii)
// inside a CONCAT. ASCII converts to any character set, so the CONCAT
// never mixes collations.
func stringLiteral(s string) string {
	if !strings.Contains(s, `\`) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	parts := strings.Split(s, `\`)
	out := make([]string, 0, 2*len(parts))
	for i, p := range parts {
		if i > 0 {
			out = append(out, "CHAR(92 USING ascii)")
		}
		if p != "" {
			out = append(out, "'"+strings.ReplaceAll(p, "'", "''")+"'")
		}
	}
	return "CONCAT(" + strings.Join(out, ", ") + ")"
}

// keys is the one rule of which columns are keys, and so take the
// VARCHAR that MySQL can index whole: the columns of the primary key, of
// a unique constraint or of a foreign key. Column names are compared
// without case, as MySQL compares them.
type keys map[string]bool

func (k keys) add(cols ...string) {
	for _, c := range cols {
		k[strings.ToLower(c)] = true
	}
}

func (k keys) has(col string) bool { return k[strings.ToLower(col)] }

// keyColumns are the keys of a declared table, as CreateTable renders it.
func keyColumns(t model.Table) keys {
	k := keys{}
	k.add(t.PrimaryKey...)
	for _, u := range t.Uniques {
		k.add(u.Columns...)
	}
	for _, fk := range t.ForeignKeys {
		k.add(fk.Columns...)
	}
	return k
}

// stateKeys are the keys of t as the catalog holds it: for a table this
// run created, what keyColumns decided when CreateTable rendered it.
func stateKeys(cat *model.Catalog, t *model.TableState) keys {
	k := keys{}
	for _, c := range t.Columns {
		if c.PrimaryKey {
			k.add(c.Name)
		}
	}
	for _, fk := range t.ForeignKeys {
		k.add(fk.Columns...)
	}
	for _, ix := range cat.Indexes {
		if ix.Constraint && ix.Unique && strings.EqualFold(ix.Table, t.Name) {
			k.add(ix.Columns...)
		}
	}
	return k
}

// CreateTable implements driver.DDL with one statement: the columns, the
// primary key, the unique constraints and the foreign keys together, so a
// table exists whole or not at all. ENGINE=InnoDB because foreign keys
// and crash safety need it; the character set is the database's, which
// the host application's tables share (a foreign key between two text
// columns needs the same collation on both).
func (d *Driver) CreateTable(t model.Table) []string {
	keyed := keyColumns(t)
	parts := make([]string, 0, len(t.Columns)+len(t.Uniques)+len(t.ForeignKeys)+1)
	for _, c := range t.Columns {
		parts = append(parts, d.column(c, keyed.has(c.Name)))
	}
	parts = append(parts, sqlkit.TableConstraints(d, t, true)...)
	return []string{"CREATE TABLE IF NOT EXISTS " + d.Quote(t.Name) + " (\n  " + strings.Join(parts, ",\n  ") + "\n) ENGINE=InnoDB"}
}

// AddColumn implements driver.DDL. MySQL has no ADD COLUMN IF NOT EXISTS:
// the shared algorithm adds only the columns the catalog lacks, under the
// lock. A column added to an existing table is no key of it, so text is
// TEXT.
func (d *Driver) AddColumn(table string, c model.Column) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD COLUMN " + d.column(c, false)
}

var _ driver.ForeignKeyReplacer = (*Driver)(nil)

// ReplaceForeignKey implements driver.ForeignKeyReplacer with one ALTER
// TABLE that drops the old key and adds the declared one. DDL is not
// transactional here, but one ALTER TABLE is atomic on InnoDB: it happens
// whole or not at all, so no run killed half-way leaves the table without
// its key. The new key cannot take the old one's name in the same
// statement (InnoDB: errno 121), so it gets foreignKeyName's. The server
// checks the rows against the new key as it copies the table (the pack's
// link tables are small); they met the old one, which connects the same
// columns, so it refuses nothing the old key let in, and a row written
// with foreign_key_checks off that the new key refuses fails the step and
// changes nothing.
func (d *Driver) ReplaceForeignKey(table string, have model.ForeignKeyState, want model.ForeignKey) []string {
	name := foreignKeyName(table, want.Columns)
	if strings.EqualFold(name, have.Name) {
		name = foreignKeyName(table+"_2", want.Columns)
	}
	return []string{"ALTER TABLE " + d.Quote(table) + " DROP FOREIGN KEY " + d.Quote(have.Name) +
		", ADD CONSTRAINT " + d.Quote(name) + " " + sqlkit.ForeignKeyClause(d, want)}
}

// foreignKeyName is fk_<table>_<columns>, or, past MySQL's 64 characters,
// its first 47 and a hash of the whole, so the name is stable and unique.
func foreignKeyName(table string, cols []string) string {
	name := "fk_" + table + "_" + strings.Join(cols, "_")
	if utf8.RuneCountInString(name) <= 64 {
		return name
	}
	r := []rune(name)
	return string(r[:47]) + "_" + sqlkit.QueryFingerprint(name)[:16]
}

// CreateIndex implements driver.DDL. MySQL 8 has no CREATE INDEX IF NOT
// EXISTS (MariaDB has): none is needed, the shared algorithm creates only
// the indexes the catalog lacks, under the lock. Without the catalog it
// knows no column's type, so no key part gets a prefix: the runner calls
// CreateIndexIn.
func (d *Driver) CreateIndex(ix model.Index) string { return d.CreateIndexIn(nil, ix) }

var _ driver.CatalogIndexer = (*Driver)(nil)

// CreateIndexIn implements driver.CatalogIndexer. A TEXT or BLOB column can
// only be indexed on a prefix, so such a key part gets prefixLen
// characters; a unique index on it is then unique on that prefix, which
// refuses no more than a VARCHAR(255) key would. The column's type is
// the catalog's: as inspected, or, for a table or column this run
// created, the type CreateTable or AddColumn rendered for it. A column
// the catalog does not have gets no prefix.
func (d *Driver) CreateIndexIn(cat *model.Catalog, ix model.Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	t := tableFold(cat, ix.Table)
	parts := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		parts[i] = d.Quote(c)
		if needsPrefix(cat, t, c) {
			parts[i] += "(" + strconv.Itoa(prefixLen) + ")"
		}
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, d.Quote(ix.Name), d.Quote(ix.Table), strings.Join(parts, ", "))
}

// DropIndex implements driver.DDL. MySQL 8 has no DROP INDEX IF EXISTS.
func (d *Driver) DropIndex(ix *model.IndexState) string {
	return "DROP INDEX " + d.Quote(ix.Name) + " ON " + d.Quote(ix.Table)
}

// tableFold is the catalog's table named name, compared as MySQL
// compares names on a case-insensitive file system (lower_case_table_names),
// nil when there is none.
func tableFold(cat *model.Catalog, name string) *model.TableState {
	if cat == nil {
		return nil
	}
	if t := cat.Tables[name]; t != nil {
		return t
	}
	for n, t := range cat.Tables {
		if strings.EqualFold(n, name) {
			return t
		}
	}
	return nil
}

// needsPrefix tells whether column of t is a TEXT or BLOB column, which
// MySQL indexes on a prefix only.
func needsPrefix(cat *model.Catalog, t *model.TableState, column string) bool {
	if t == nil {
		return false
	}
	c := t.Column(column)
	if c == nil {
		return false
	}
	typ := c.Type
	if c.FromPlan {
		// The portable type of a column this run created: the native
		// type is what CreateTable or AddColumn rendered for it.
		typ = nativeTypes[model.ColumnType(c.Type)]
		if model.ColumnType(c.Type) == model.Text && stateKeys(cat, t).has(c.Name) {
			typ = keyText
		}
	}
	switch baseType(typ) {
	case "tinytext", "text", "mediumtext", "longtext", "json", "tinyblob", "blob", "mediumblob", "longblob":
		return true
	}
	return false
}

// baseType is the type name without length, precision or attributes:
// "int" for "int(10) unsigned".
func baseType(typ string) string {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexAny(t, "( "); i >= 0 {
		t = t[:i]
	}
	return t
}

// ColumnMatches implements driver.DDL by type family. Any integer type
// serves an integer or a boolean (BOOLEAN is TINYINT(1)); only BIGINT
// serves a bigint (epoch milliseconds overflow INT). A JSON column is
// served by MySQL's JSON or by any text type: MariaDB's JSON is LONGTEXT.
// A timestamp is DATETIME or TIMESTAMP. An auto-increment column needs
// AUTO_INCREMENT.
func (d *Driver) ColumnMatches(want model.Column, have model.ColumnState) bool {
	base := baseType(have.Type)
	text := base == "varchar" || base == "char" || base == "tinytext" || base == "text" || base == "mediumtext" || base == "longtext"
	integer := base == "tinyint" || base == "smallint" || base == "mediumint" || base == "int" || base == "integer" || base == "bigint"
	var ok bool
	switch want.Type {
	case model.Text:
		ok = text
	case model.Integer, model.Boolean:
		ok = integer
	case model.BigInt:
		ok = base == "bigint"
	case model.Real:
		ok = base == "double" || base == "float" || base == "real" || base == "decimal"
	case model.JSON:
		ok = base == "json" || text
	case model.Timestamp:
		ok = base == "datetime" || base == "timestamp"
	case model.Date:
		ok = base == "date"
	}
	if ok && want.AutoIncrement {
		ok = have.Default == autoIncrement
	}
	return ok
}
