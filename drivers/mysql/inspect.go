package mysql

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/internal/lazyre"
	"github.com/groundworkdb/groundwork/model"
)

// The catalog of the current database is read from information_schema in
// one statement, whatever the number of objects: a UNION ALL of one
// branch per source, told apart by the first column (see the kind*
// constants), the columns a branch has nothing for NULL. Each branch reads
// one information_schema table on its own, with no join between two of
// them: MariaDB fills an information_schema table from constant
// conditions on its schema and table name only, so a join scans the
// tables of every database on the server (measured on 10.11: 30-150 ms
// with 500 tables), while TABLE_SCHEMA = DATABASE() and a list of names
// open only the tables named. The rows are joined in Go instead: the
// columns to the base tables, the foreign keys' columns to their rules,
// the views to their fingerprints.
//
// The fingerprints (ViewsTable) are one more branch, on groundwork's own
// table. A statement naming a table that does not exist fails as a whole,
// and SQL cannot name a table on condition, so the statement is sent with
// it first and, when the server answers that the table does not exist (or
// that this user may not read it), again without it: one query where
// groundwork has created a view, two where it has none.
//
// Every text is converted to utf8mb4, which gives it utf8mb4's default
// collation: information_schema's columns are utf8mb3 with collations
// that differ between MySQL and MariaDB (and the fingerprint table's
// names are utf8mb4_bin), and a UNION of two of them could fail on an
// illegal mix of collations.
//
// Tables are base tables (and MariaDB's system-versioned ones); views,
// sequences and temporary tables are not. A column's Type is COLUMN_TYPE
// lower-cased ("varchar(255)", "int(11)", "tinyint(1)", "longtext" for a
// MariaDB JSON column); an AUTO_INCREMENT column has the Default
// "auto_increment". Primary keys come from the index named PRIMARY, not
// from COLUMN_KEY (which shows a NOT NULL unique index as PRI on a table
// without primary key).
//
// Every branch has the same nine columns: kind, table, group (the index's
// or key's name), position, column, three texts a to c, and a flag. The
// rows are sorted in Go by table, group and position (a table's columns
// in their order, a key's columns in theirs), not by the server: ORDER BY
// makes MariaDB collect the union in a temporary table and sort it, a
// quarter of the statement's time on the pack's catalog (measured on
// 10.11: 4.3 ms without, 5.9 ms with).
const (
	kindTable       = "t" // a base table: table
	kindColumn      = "c" // column of a table or view: a type, b default, c extra, flag NOT NULL
	kindIndexPart   = "i" // key part of an index (an expression part of a MySQL 8 functional index has no column name); flag unique
	kindForeignPart = "f" // column of a foreign key: a referenced schema (NULL when the current one), b table, c column
	kindForeignRule = "r" // foreign key's rule: a DELETE_RULE
	kindView        = "v" // view: a md5 of its definition (NULL when this user may not see it)
	kindFingerprint = "m" // groundwork's fingerprint of a view: a the Marker

	branchTables = `SELECT 't', CONVERT(t.TABLE_NAME USING utf8mb4), NULL, 0, NULL, NULL, NULL, NULL, 0
FROM information_schema.TABLES t
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')/*t.TABLE_NAME*/`

	branchColumns = `SELECT 'c', CONVERT(c.TABLE_NAME USING utf8mb4), NULL, c.ORDINAL_POSITION, CONVERT(c.COLUMN_NAME USING utf8mb4),
  CONVERT(LOWER(c.COLUMN_TYPE) USING utf8mb4), CONVERT(c.COLUMN_DEFAULT USING utf8mb4), CONVERT(LOWER(c.EXTRA) USING utf8mb4),
  c.IS_NULLABLE = 'NO'
FROM information_schema.COLUMNS c
WHERE c.TABLE_SCHEMA = DATABASE()/*c.TABLE_NAME*/`

	branchIndexes = `SELECT 'i', CONVERT(s.TABLE_NAME USING utf8mb4), CONVERT(s.INDEX_NAME USING utf8mb4), s.SEQ_IN_INDEX,
  CONVERT(COALESCE(s.COLUMN_NAME, '(expression)') USING utf8mb4), NULL, NULL, NULL, s.NON_UNIQUE = 0
FROM information_schema.STATISTICS s
WHERE s.TABLE_SCHEMA = DATABASE()/*s.TABLE_NAME|s.INDEX_NAME*/`

	branchForeignKeys = `SELECT 'f', CONVERT(k.TABLE_NAME USING utf8mb4), CONVERT(k.CONSTRAINT_NAME USING utf8mb4), k.ORDINAL_POSITION,
  CONVERT(k.COLUMN_NAME USING utf8mb4), CONVERT(NULLIF(k.REFERENCED_TABLE_SCHEMA, k.TABLE_SCHEMA) USING utf8mb4),
  CONVERT(k.REFERENCED_TABLE_NAME USING utf8mb4), CONVERT(k.REFERENCED_COLUMN_NAME USING utf8mb4), 0
FROM information_schema.KEY_COLUMN_USAGE k
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL/*k.TABLE_NAME*/`

	branchRules = `SELECT 'r', CONVERT(r.TABLE_NAME USING utf8mb4), CONVERT(r.CONSTRAINT_NAME USING utf8mb4), 0,
  NULL, CONVERT(r.DELETE_RULE USING utf8mb4), NULL, NULL, 0
FROM information_schema.REFERENTIAL_CONSTRAINTS r
WHERE r.CONSTRAINT_SCHEMA = DATABASE()/*r.TABLE_NAME*/`

	// The md5 is of the definition as the server keeps it, computed as
	// CreateView computes the one it records.
	branchViews = `SELECT 'v', CONVERT(v.TABLE_NAME USING utf8mb4), NULL, 0, NULL,
  CONVERT(MD5(NULLIF(v.VIEW_DEFINITION, '')) USING utf8mb4), NULL, NULL, 0
FROM information_schema.VIEWS v
WHERE v.TABLE_SCHEMA = DATABASE()/*v.TABLE_NAME*/`

	// Not scoped: the table holds one row per view groundwork created,
	// and its names compare as bytes where information_schema's may not.
	branchFingerprints = `SELECT 'm', CONVERT(f.name USING utf8mb4), NULL, 0, NULL,
  CONVERT(CONCAT('` + markerPrefix + `', f.query_hash, ':', f.definition_md5) USING utf8mb4), NULL, NULL, 0
FROM ` + "`" + ViewsTable + "`" + ` f`
)

// catalogBranches are the branches of the catalog statement but the
// fingerprints, each binding the list of names once per marked column.
var catalogBranches = []string{branchTables, branchColumns, branchIndexes, branchForeignKeys, branchRules, branchViews}

// catalogQuery is the catalog statement, with the fingerprints or not.
func catalogQuery(fingerprints bool) string {
	branches := catalogBranches
	if fingerprints {
		branches = append(append([]string{}, branches...), branchFingerprints)
	}
	return strings.Join(branches, "\nUNION ALL\n")
}

// CatalogQueries is the number of queries Inspect and InspectNames make
// once groundwork's fingerprint table exists (after its first view); one
// more before.
const CatalogQueries = 1

// maxScopedNames is the most names InspectNames binds: the catalog
// statement lists them once per marked column (seven times), and no
// statement binds more than driver.MaxScopedNames parameters. Beyond it the
// whole schema is read. Counted on first use, not at package init: the
// count renders the statement (scopeMarker's regexp), which a process
// that never opens a MySQL database should not pay for.
var maxScopedNames = sync.OnceValue(func() int {
	_, times := scoped(catalogQuery(false), 1)
	return driver.MaxScopedNames / times
})

var _ driver.ScopedInspector = (*Driver)(nil)

// scopeMarker matches the /*col*/ and /*col|col*/ markers where a scoped
// read adds its filter.
var scopeMarker = lazyre.New(`/\*([a-zA-Z_.|]+)\*/`)

// scoped returns query limited to n names per marked column (a marker
// naming two columns matches either) and how many times it binds the
// list.
func scoped(query string, n int) (string, int) {
	times := 0
	q := scopeMarker().ReplaceAllStringFunc(query, func(m string) string {
		var ors []string
		for _, col := range strings.Split(strings.Trim(m, "/*"), "|") {
			ors = append(ors, col+" IN ("+driver.ParamList(n)+")")
			times++
		}
		return " AND (" + strings.Join(ors, " OR ") + ")"
	})
	return q, times
}

// autoIncrement is the Default Inspect gives an AUTO_INCREMENT column.
const autoIncrement = "auto_increment"

// Inspect implements driver.Driver. The fingerprint table (ViewsTable) is
// the driver's own bookkeeping and is not reported as a table.
func (d *Driver) Inspect(ctx context.Context, db bun.IDB) (*model.Catalog, error) {
	return d.inspect(ctx, db, nil)
}

// InspectNames implements driver.ScopedInspector: the same statement, each
// branch with the names as a list of bound parameters. information_schema
// compares names as the server's lower_case_table_names makes it,
// case-insensitively on MariaDB, which returns more than asked at worst.
// Beyond maxScopedNames names it reads the whole schema.
func (d *Driver) InspectNames(ctx context.Context, db bun.IDB, names []string) (*model.Catalog, error) {
	if len(names) >= maxScopedNames() {
		return d.inspect(ctx, db, nil)
	}
	return d.inspect(ctx, db, append([]string{}, names...))
}

func (d *Driver) inspect(ctx context.Context, db bun.IDB, names []string) (*model.Catalog, error) {
	read := func(fingerprints bool) (*catalogRows, error) {
		rows := &catalogRows{}
		query := catalogQuery(fingerprints)
		if names == nil {
			return rows, sqlkit.EachRow(ctx, db, scopeMarker().ReplaceAllString(query, ""), rows.scan)
		}
		q, times := scoped(query, len(names))
		args := make([]any, 0, times*len(names))
		for range times {
			for _, n := range names {
				args = append(args, n)
			}
		}
		return rows, sqlkit.EachRowArgs(ctx, db, q, args, rows.scan)
	}
	rows, err := read(true)
	if noFingerprints(err) {
		rows, err = read(false)
	}
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: inspect: %w", err)
	}
	return rows.catalog(), nil
}

// noFingerprints reports whether err says the fingerprint table does not
// exist (1146) or that this user may not read it (1142).
func noFingerprints(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1146 || me.Number == 1142) && strings.Contains(me.Message, ViewsTable)
}

// catalogRow is one row of the catalog statement.
type catalogRow struct {
	kind, table, group string
	pos                int
	column             string
	a, b, c            string // NULL reads as ''
	flag               bool
}

// catalogRows are the rows of the catalog statement by kind.
type catalogRows struct {
	byKind map[string][]catalogRow
}

func (r *catalogRows) scan(scan func(...any) error) error {
	var kind, table string
	var group, column, a, b, c sql.NullString
	var row catalogRow
	if err := scan(&kind, &table, &group, &row.pos, &column, &a, &b, &c, &row.flag); err != nil {
		return err
	}
	row.kind, row.table, row.group, row.column = kind, table, group.String, column.String
	row.a, row.b, row.c = a.String, b.String, c.String
	if r.byKind == nil {
		r.byKind = map[string][]catalogRow{}
	}
	r.byKind[kind] = append(r.byKind[kind], row)
	return nil
}

// catalog decodes the rows: the tables and their columns, the indexes and
// foreign keys (inspectKeys), the views with their fingerprints.
func (r *catalogRows) catalog() *model.Catalog {
	for _, rows := range r.byKind {
		slices.SortFunc(rows, func(x, y catalogRow) int {
			return cmp.Or(strings.Compare(x.table, y.table), strings.Compare(x.group, y.group), cmp.Compare(x.pos, y.pos))
		})
	}
	cat := model.NewCatalog()
	for _, row := range r.byKind[kindTable] {
		if row.table != ViewsTable {
			cat.Tables[row.table] = &model.TableState{Name: row.table}
		}
	}
	for _, row := range r.byKind[kindColumn] {
		t := cat.Tables[row.table]
		if t == nil {
			continue // a view's, a sequence's, or the fingerprint table's
		}
		def := row.b
		if strings.Contains(row.c, autoIncrement) {
			def = autoIncrement
		}
		t.Columns = append(t.Columns, model.ColumnState{Name: row.column, Type: row.a, NotNull: row.flag, Default: def})
	}
	inspectKeys(r.byKind, cat)
	markers := map[string]string{}
	for _, row := range r.byKind[kindFingerprint] {
		markers[row.table] = row.a
	}
	for _, row := range r.byKind[kindView] {
		cat.Views[row.table] = &model.ViewState{Name: row.table, Definition: row.a, Marker: markers[row.table]}
	}
	return cat
}

// inspectKeys decodes the index and foreign key rows into cat.
//
// MySQL names indexes per table, groundwork's specs name them per schema
// (as PostgreSQL and SQLite do). An index name used on one table only is
// the catalog key. A name used on several tables (PRIMARY on every one,
// or an implicit index named after its column) is kept under the name
// for the first table, marked Constraint so that the shared algorithm
// reports it rather than drops another table's index, and under
// "name (table)" for the others. The index MySQL creates for a foreign
// key named explicitly carries the key's name and is marked Constraint
// too: MySQL refuses to drop it.
func inspectKeys(byKind map[string][]catalogRow, cat *model.Catalog) {
	type key struct{ table, name string }
	rules := map[key]string{}
	for _, row := range byKind[kindForeignRule] {
		rules[key{row.table, row.group}] = row.a
	}
	fks := map[key]*model.ForeignKeyState{}
	var fkOrder []key
	for _, row := range byKind[kindForeignPart] {
		k := key{row.table, row.group}
		fk := fks[k]
		if fk == nil {
			refTable := row.b
			if row.a != "" {
				refTable = row.a + "." + refTable
			}
			deleteRule := rules[k]
			action := model.ParseReferentialAction(deleteRule)
			if deleteRule == "" {
				// REFERENTIAL_CONSTRAINTS hides the key from a
				// role with only SELECT on the table.
				action = model.ActionUnknown
			}
			fk = &model.ForeignKeyState{Name: row.group, RefTable: refTable, OnDelete: action}
			fks[k] = fk
			fkOrder = append(fkOrder, k)
		}
		fk.Columns = append(fk.Columns, row.column)
		fk.RefColumns = append(fk.RefColumns, row.c)
	}
	indexes := map[key]*model.IndexState{}
	var order []key
	for _, row := range byKind[kindIndexPart] {
		if row.table == ViewsTable {
			continue
		}
		k := key{row.table, row.group}
		ix := indexes[k]
		if ix == nil {
			ix = &model.IndexState{Name: row.group, Table: row.table, Unique: row.flag, Constraint: row.group == "PRIMARY"}
			indexes[k] = ix
			order = append(order, k)
		}
		ix.Columns = append(ix.Columns, row.column)
	}
	for _, k := range fkOrder {
		if t := cat.Tables[k.table]; t != nil {
			t.ForeignKeys = append(t.ForeignKeys, *fks[k])
		}
		if ix := indexes[k]; ix != nil {
			ix.Constraint = true
		}
	}
	tablesOf := map[string]int{}
	for _, k := range order {
		tablesOf[k.name]++
	}
	for _, k := range order {
		ix := indexes[k]
		if ix.Name == "PRIMARY" {
			if t := cat.Tables[k.table]; t != nil {
				for i := range t.Columns {
					t.Columns[i].PrimaryKey = t.Columns[i].PrimaryKey || inFold(t.Columns[i].Name, ix.Columns)
				}
			}
		}
		switch {
		case tablesOf[k.name] == 1:
			cat.Indexes[k.name] = ix
		case cat.Indexes[k.name] == nil:
			ix.Constraint = true
			cat.Indexes[k.name] = ix
		default:
			cat.Indexes[k.name+" ("+k.table+")"] = ix
		}
	}
}

func inFold(s string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
