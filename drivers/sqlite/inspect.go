package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
)

// The catalog is read in four queries, whatever the number of objects:
// the schema table, then the table_info, index_list/index_info and
// foreign_key_list pragmas joined against it as table-valued functions.
// A foreign key has no name SQLite would drop it by; its ON DELETE action
// is the pragma's on_delete.
// SQLite's own objects are left out by their reserved prefix "sqlite_",
// matched literally: in LIKE an unescaped "_" is any character, and would
// hide a table named "sqliteXtable".
const (
	queryObjects = `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
WHERE type IN ('table', 'view', 'index') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	queryColumns = `SELECT m.name, p.name, p.type, p."notnull", COALESCE(p.dflt_value, ''), p.pk
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name, p.cid`
	queryIndexes = `SELECT m.name, il.name, il."unique", il.origin, COALESCE(ii.name, '')
FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name, il.name, ii.seqno`
	queryForeignKeys = `SELECT m.name, f.id, f."table", f."from", COALESCE(f."to", ''), f.on_delete
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name, f.id, f.seq`
)

// CatalogQueries is the number of queries Inspect makes.
const CatalogQueries = 4

// Inspect implements core.Driver.
func (d *Driver) Inspect(ctx context.Context, db bun.IDB) (*core.Catalog, error) {
	cat := core.NewCatalog()
	err := core.EachRow(ctx, db, queryObjects, func(scan func(...any) error) error {
		var typ, name, table, sqlText string
		if err := scan(&typ, &name, &table, &sqlText); err != nil {
			return err
		}
		switch typ {
		case "table":
			cat.Tables[name] = &core.TableState{Name: name}
		case "view":
			cat.Views[name] = &core.ViewState{Name: name, Definition: sqlText}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: inspect objects: %w", err)
	}
	err = core.EachRow(ctx, db, queryColumns, func(scan func(...any) error) error {
		var table string
		var c core.ColumnState
		var notNull, pk int
		if err := scan(&table, &c.Name, &c.Type, &notNull, &c.Default, &pk); err != nil {
			return err
		}
		c.Type, c.NotNull, c.PrimaryKey = strings.ToLower(c.Type), notNull != 0, pk > 0
		if t := cat.Tables[table]; t != nil {
			t.Columns = append(t.Columns, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: inspect columns: %w", err)
	}
	err = core.EachRow(ctx, db, queryIndexes, func(scan func(...any) error) error {
		var table, name, origin, col string
		var unique int
		if err := scan(&table, &name, &unique, &origin, &col); err != nil {
			return err
		}
		ix := cat.Indexes[name]
		if ix == nil {
			ix = &core.IndexState{Name: name, Table: table, Unique: unique != 0, Constraint: origin != "c"}
			cat.Indexes[name] = ix
		}
		ix.Columns = append(ix.Columns, col)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: inspect indexes: %w", err)
	}
	lastID := map[string]int{}
	err = core.EachRow(ctx, db, queryForeignKeys, func(scan func(...any) error) error {
		var table, ref, from, to, onDelete string
		var id int
		if err := scan(&table, &id, &ref, &from, &to, &onDelete); err != nil {
			return err
		}
		t := cat.Tables[table]
		if t == nil {
			return nil
		}
		if last, ok := lastID[table]; !ok || last != id || len(t.ForeignKeys) == 0 {
			t.ForeignKeys = append(t.ForeignKeys, core.ForeignKeyState{RefTable: ref, OnDelete: core.ParseReferentialAction(onDelete)})
			lastID[table] = id
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: inspect foreign keys: %w", err)
	}
	return cat, nil
}
