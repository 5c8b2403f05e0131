//go:build integration

package scenarios_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// The few things the scenarios do behind groundwork's back that each
// dialect spells differently: dropping a table others refer to, dropping
// an index, retyping a column. Each has a MySQL/MariaDB branch, so adding
// the MariaDB target needs nothing here.

// withConn runs statements on one connection, so that session settings
// (SQLite's foreign_keys pragma, MySQL's FOREIGN_KEY_CHECKS) apply to the
// ones in between.
func withConn(ctx context.Context, d core.Driver, stmts ...string) error {
	conn, err := d.DB().DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

// noFKChecks wraps statements so that foreign keys do not stop them, as an
// operator's manual intervention would.
func noFKChecks(d core.Driver, stmts ...string) []string {
	switch d.Dialect() {
	case "sqlite":
		return append(append([]string{"PRAGMA foreign_keys = OFF"}, stmts...), "PRAGMA foreign_keys = ON")
	case "mysql":
		return append(append([]string{"SET FOREIGN_KEY_CHECKS = 0"}, stmts...), "SET FOREIGN_KEY_CHECKS = 1")
	}
	return stmts
}

// dropTable drops a table whatever refers to it (if it still exists: a
// CASCADE may have taken it already). PostgreSQL needs CASCADE,
// which also drops the views over it and the foreign keys of other tables
// that point at it; SQLite and MySQL keep those (a view over a missing
// table is broken until the table is back).
func dropTable(ctx context.Context, d core.Driver, name string) error {
	stmt := "DROP TABLE IF EXISTS " + d.Quote(name)
	if d.Dialect() == "postgres" {
		stmt += " CASCADE"
	}
	return withConn(ctx, d, noFKChecks(d, stmt)...)
}

// dropIndex drops an index as the driver would. On MySQL an index that a
// foreign key needs can only go while foreign key checks are off.
func dropIndex(ctx context.Context, d core.Driver, name string) error {
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		return err
	}
	ix := cat.Indexes[name]
	if ix == nil {
		return fmt.Errorf("index %s does not exist", name)
	}
	return withConn(ctx, d, noFKChecks(d, d.DropIndex(ix))...)
}

// dropView drops a view, if a CASCADE did not take it already.
func dropView(ctx context.Context, d core.Driver, name string) error {
	return withConn(ctx, d, "DROP VIEW IF EXISTS "+d.Quote(name))
}

// retypeColumn changes the declared type of table.column to newType,
// keeping the rows. SQLite cannot alter a column's type: the table is
// rebuilt from its own CREATE statement with the one column's type
// replaced (SQLite's documented procedure), then its indexes are made
// again.
func retypeColumn(ctx context.Context, d core.Driver, table, column, newType string) error {
	q := d.Quote
	switch d.Dialect() {
	case "postgres":
		return withConn(ctx, d, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s", q(table), q(column), newType, q(column), newType))
	case "mysql":
		return withConn(ctx, d, fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s %s", q(table), q(column), newType))
	}
	var create string
	if err := d.DB().DB.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&create); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	indexes, err := sqliteIndexSQL(ctx, d.DB().DB, table)
	if err != nil {
		return err
	}
	// The column is declared as `"name" TYPE` by groundwork's DDL.
	decl := q(column) + " "
	i := strings.Index(create, decl)
	if i < 0 {
		return fmt.Errorf("column %s not found in %s", column, create)
	}
	rest := create[i+len(decl):]
	end := strings.IndexAny(rest, " ,)")
	create = create[:i+len(decl)] + newType + rest[end:]
	tmp := table + "_retyped"
	create = strings.Replace(create, q(table), q(tmp), 1)
	stmts := []string{create,
		"INSERT INTO " + q(tmp) + " SELECT * FROM " + q(table),
		"DROP TABLE " + q(table),
		"ALTER TABLE " + q(tmp) + " RENAME TO " + q(table)}
	return withConn(ctx, d, noFKChecks(d, append(stmts, indexes...)...)...)
}

func sqliteIndexSQL(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
