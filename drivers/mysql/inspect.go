package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
)

// The catalog of the current database is read from information_schema in
// three queries, whatever the number of objects: the columns of every
// table; the key columns of every index and foreign key (one UNION ALL);
// the views, with the fingerprints groundwork recorded for them when its
// table of fingerprints exists (the first query says whether it does).
//
// Names are converted to utf8mb4: information_schema's columns are utf8mb3
// with collations that differ between MySQL and MariaDB, and a UNION of
// two of them could fail on an illegal mix of collations.
//
// Tables are base tables (and MariaDB's system-versioned ones); views,
// sequences and temporary tables are not. A column's Type is COLUMN_TYPE
// lower-cased ("varchar(255)", "int(11)", "tinyint(1)", "longtext" for a
// MariaDB JSON column); an AUTO_INCREMENT column has the Default
// "auto_increment". Primary keys come from the index named PRIMARY, not
// from COLUMN_KEY (which shows a NOT NULL unique index as PRI on a table
// without primary key).
const (
	queryColumns = `SELECT CONVERT(c.TABLE_NAME USING utf8mb4), CONVERT(c.COLUMN_NAME USING utf8mb4),
  LOWER(c.COLUMN_TYPE), c.IS_NULLABLE = 'NO', COALESCE(c.COLUMN_DEFAULT, ''), LOWER(c.EXTRA)
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
ORDER BY 1, c.ORDINAL_POSITION`

	// queryKeys: kind 'i' rows are index key parts (an expression part of
	// a MySQL 8 functional index has no column name), kind 'f' rows are
	// foreign key columns with the column they reference and the key's
	// DELETE_RULE; the referenced schema is '' when it is the current one.
	queryKeys = `SELECT 'i', CONVERT(s.TABLE_NAME USING utf8mb4), CONVERT(s.INDEX_NAME USING utf8mb4), s.NON_UNIQUE = 0,
  s.SEQ_IN_INDEX, CONVERT(COALESCE(s.COLUMN_NAME, '(expression)') USING utf8mb4), '', '', '', ''
FROM information_schema.STATISTICS s
WHERE s.TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'f', CONVERT(k.TABLE_NAME USING utf8mb4), CONVERT(k.CONSTRAINT_NAME USING utf8mb4), 0,
  k.ORDINAL_POSITION, CONVERT(k.COLUMN_NAME USING utf8mb4),
  CONVERT(IF(k.REFERENCED_TABLE_SCHEMA = k.TABLE_SCHEMA, '', k.REFERENCED_TABLE_SCHEMA) USING utf8mb4),
  CONVERT(k.REFERENCED_TABLE_NAME USING utf8mb4), CONVERT(k.REFERENCED_COLUMN_NAME USING utf8mb4),
  CONVERT(COALESCE(r.DELETE_RULE, '') USING utf8mb4)
FROM information_schema.KEY_COLUMN_USAGE k
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
  AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY 1, 2, 3, 5`

	// queryViews is used while the fingerprint table does not exist;
	// queryViewsMarked joins it. A view's Definition is the md5 of the
	// definition as the server keeps it, or '' when this user may not see
	// it (the server shows an empty VIEW_DEFINITION without SHOW VIEW).
	queryViews = `SELECT CONVERT(v.TABLE_NAME USING utf8mb4), COALESCE(MD5(NULLIF(v.VIEW_DEFINITION, '')), ''), ''
FROM information_schema.VIEWS v
WHERE v.TABLE_SCHEMA = DATABASE()
ORDER BY 1`
	queryViewsMarked = `SELECT CONVERT(v.TABLE_NAME USING utf8mb4), COALESCE(MD5(NULLIF(v.VIEW_DEFINITION, '')), ''),
  COALESCE(CONCAT('` + markerPrefix + `', f.query_hash, ':', f.definition_md5), '')
FROM information_schema.VIEWS v
LEFT JOIN ` + "`" + ViewsTable + "`" + ` f ON f.name = CONVERT(v.TABLE_NAME USING utf8mb4) COLLATE utf8mb4_bin
WHERE v.TABLE_SCHEMA = DATABASE()
ORDER BY 1`
)

// CatalogQueries is the number of queries Inspect makes.
const CatalogQueries = 3

// autoIncrement is the Default Inspect gives an AUTO_INCREMENT column.
const autoIncrement = "auto_increment"

// Inspect implements core.Driver. The fingerprint table (ViewsTable) is
// the driver's own bookkeeping and is not reported as a table.
func (d *Driver) Inspect(ctx context.Context, db bun.IDB) (*core.Catalog, error) {
	cat := core.NewCatalog()
	types := columnTypes{}
	marked := false
	err := core.EachRow(ctx, db, queryColumns, func(scan func(...any) error) error {
		var table, name, typ, def, extra string
		var notNull bool
		if err := scan(&table, &name, &typ, &notNull, &def, &extra); err != nil {
			return err
		}
		if table == ViewsTable {
			marked = true
			return nil
		}
		t := cat.Tables[table]
		if t == nil {
			t = &core.TableState{Name: table}
			cat.Tables[table] = t
		}
		if strings.Contains(extra, autoIncrement) {
			def = autoIncrement
		}
		t.Columns = append(t.Columns, core.ColumnState{Name: name, Type: typ, NotNull: notNull, Default: def})
		types.set(table, name, typ)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: inspect columns: %w", err)
	}
	if err := inspectKeys(ctx, db, cat); err != nil {
		return nil, fmt.Errorf("drivers/mysql: inspect indexes and foreign keys: %w", err)
	}
	views := queryViews
	if marked {
		views = queryViewsMarked
	}
	err = core.EachRow(ctx, db, views, func(scan func(...any) error) error {
		var v core.ViewState
		if err := scan(&v.Name, &v.Definition, &v.Marker); err != nil {
			return err
		}
		cat.Views[v.Name] = &v
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: inspect views: %w", err)
	}
	d.mu.Lock()
	d.inspected = types
	d.mu.Unlock()
	return cat, nil
}

// inspectKeys reads indexes and foreign keys into cat.
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
func inspectKeys(ctx context.Context, db bun.IDB, cat *core.Catalog) error {
	type key struct{ table, name string }
	var order []key
	indexes := map[key]*core.IndexState{}
	fks := map[key]*core.ForeignKeyState{}
	var fkOrder []key
	err := core.EachRow(ctx, db, queryKeys, func(scan func(...any) error) error {
		var kind, table, name, col, refSchema, refTable, refCol, deleteRule string
		var unique bool
		var seq int
		if err := scan(&kind, &table, &name, &unique, &seq, &col, &refSchema, &refTable, &refCol, &deleteRule); err != nil {
			return err
		}
		if table == ViewsTable {
			return nil
		}
		k := key{table, name}
		if kind == "f" {
			fk := fks[k]
			if fk == nil {
				if refSchema != "" {
					refTable = refSchema + "." + refTable
				}
				action := core.ParseReferentialAction(deleteRule)
				if deleteRule == "" {
					// REFERENTIAL_CONSTRAINTS hides the key from a
					// role with only SELECT on the table.
					action = core.ActionUnknown
				}
				fk = &core.ForeignKeyState{Name: name, RefTable: refTable, OnDelete: action}
				fks[k] = fk
				fkOrder = append(fkOrder, k)
			}
			fk.Columns = append(fk.Columns, col)
			fk.RefColumns = append(fk.RefColumns, refCol)
			return nil
		}
		ix := indexes[k]
		if ix == nil {
			ix = &core.IndexState{Name: name, Table: table, Unique: unique, Constraint: name == "PRIMARY"}
			indexes[k] = ix
			order = append(order, k)
		}
		ix.Columns = append(ix.Columns, col)
		return nil
	})
	if err != nil {
		return err
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
	return nil
}

func inFold(s string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// columnTypes maps lower-cased table and column names to the column's
// native type, lower-cased.
type columnTypes map[string]map[string]string

func (ct columnTypes) set(table, column, typ string) {
	t := strings.ToLower(table)
	if ct[t] == nil {
		ct[t] = map[string]string{}
	}
	ct[t][strings.ToLower(column)] = strings.ToLower(typ)
}

func (ct columnTypes) get(table, column string) (string, bool) {
	typ, ok := ct[strings.ToLower(table)][strings.ToLower(column)]
	return typ, ok
}
