package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// The catalog is read in one query, whatever the number of objects: the
// schema table, then the table_info, index_list/index_info and
// foreign_key_list pragmas joined against it as table-valued functions,
// as the four parts of a UNION ALL sharing one row shape (part, table,
// sort key, two sort numbers, four texts, two numbers).
// A foreign key has no name SQLite would drop it by; its ON DELETE action
// is the pragma's on_delete.
// SQLite's own objects are left out by their reserved prefix "sqlite_",
// matched literally: in LIKE an unescaped "_" is any character, and would
// hide a table named "sqliteXtable".
//
// /*scope*/ and /*scopeIndexes*/ are where InspectNames limits the read
// to the names bound as ?1, before any pragma runs, so the host's other
// tables cost a row of the schema table each and nothing more. Indexes
// come with their table, and an index named in the list brings every
// index of its table.
const queryCatalog = `SELECT 1 AS part, m.name AS tbl, '' AS k, 0 AS s1, 0 AS s2,
  m.type AS a, COALESCE(m.sql, '') AS b, '' AS c, '' AS e, 0 AS f, 0 AS g
FROM sqlite_master m
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'/*scope*/
UNION ALL
SELECT 2, m.name, '', p.cid, 0, p.name, p.type, COALESCE(p.dflt_value, ''), '', p."notnull", p.pk
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'/*scope*/
UNION ALL
SELECT 3, m.name, il.name, ii.seqno, 0, il.origin, COALESCE(ii.name, ''), '', '', il."unique", 0
FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'/*scopeIndexes*/
UNION ALL
SELECT 4, m.name, '', f.id, f.seq, f."table", f."from", COALESCE(f."to", ''), f.on_delete, 0, 0
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'/*scope*/
ORDER BY 1, 2, 3, 4, 5`

// The names bound as ?1 travel as one text, each between char(1) and
// char(2) (see scopeList): one parameter whatever their number, and
// instr() to match, because an IN list or subquery costs this driver an
// ephemeral index of about half a millisecond to build, more than the
// whole read of a small schema. A name holding char(1) or char(2) can
// only match more than asked, never less. Names are compared exactly, as
// the catalog's map is looked up.
const (
	inScope     = `instr(?1, char(1) || m.name || char(2)) > 0`
	indexTables = `COALESCE((SELECT group_concat(char(1) || x.tbl_name || char(2), '') FROM sqlite_master x
    WHERE x.type = 'index' AND instr(?1, char(1) || x.name || char(2)) > 0), '')`
)

var queryCatalogScoped = strings.NewReplacer(
	"/*scope*/", " AND "+inScope,
	"/*scopeIndexes*/", "\n  AND ("+inScope+" OR instr("+indexTables+", char(1) || m.name || char(2)) > 0)",
).Replace(queryCatalog)

func scopeList(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteByte(1)
		b.WriteString(n)
		b.WriteByte(2)
	}
	return b.String()
}

// CatalogQueries is the number of queries Inspect and InspectNames make.
const CatalogQueries = 1

var _ driver.ScopedInspector = (*Driver)(nil)

// Inspect implements driver.Driver.
func (d *Driver) Inspect(ctx context.Context, db bun.IDB) (*model.Catalog, error) {
	return d.inspect(ctx, db, nil)
}

// InspectNames implements driver.ScopedInspector.
func (d *Driver) InspectNames(ctx context.Context, db bun.IDB, names []string) (*model.Catalog, error) {
	if names == nil {
		names = []string{}
	}
	return d.inspect(ctx, db, names)
}

func (d *Driver) inspect(ctx context.Context, db bun.IDB, names []string) (*model.Catalog, error) {
	cat := model.NewCatalog()
	lastID := map[string]int{}
	row := func(scan func(...any) error) error {
		var part, s1, s2, f, g int
		var table, k, a, b, c, e string
		if err := scan(&part, &table, &k, &s1, &s2, &a, &b, &c, &e, &f, &g); err != nil {
			return err
		}
		switch part {
		case 1:
			switch a {
			case "table":
				cat.Tables[table] = &model.TableState{Name: table}
			case "view":
				cat.Views[table] = &model.ViewState{Name: table, Definition: b}
			}
		case 2:
			if t := cat.Tables[table]; t != nil {
				t.Columns = append(t.Columns, model.ColumnState{
					Name: a, Type: strings.ToLower(b), Default: c, NotNull: f != 0, PrimaryKey: g > 0,
				})
			}
		case 3:
			ix := cat.Indexes[k]
			if ix == nil {
				ix = &model.IndexState{Name: k, Table: table, Unique: f != 0, Constraint: a != "c"}
				cat.Indexes[k] = ix
			}
			ix.Columns = append(ix.Columns, b)
		default:
			t := cat.Tables[table]
			if t == nil {
				return nil
			}
			if last, ok := lastID[table]; !ok || last != s1 || len(t.ForeignKeys) == 0 {
				t.ForeignKeys = append(t.ForeignKeys, model.ForeignKeyState{RefTable: a, OnDelete: model.ParseReferentialAction(e)})
				lastID[table] = s1
			}
			fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns = append(fk.Columns, b)
			fk.RefColumns = append(fk.RefColumns, c)
		}
		return nil
	}
	var err error
	if names == nil {
		err = sqlkit.EachRow(ctx, db, queryCatalog, row)
	} else {
		err = sqlkit.EachRowArgs(ctx, db, queryCatalogScoped, []any{scopeList(names)}, row)
	}
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: inspect: %w", err)
	}
	return cat, nil
}
