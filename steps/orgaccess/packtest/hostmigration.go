package packtest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The host's own migrations, statement by statement as alembic emits them
// for Open WebUI, so the tests run what the host runs rather than
// something like it: steps/orgaccess's upgrade tests and the Kubernetes
// manifests' upgrade test (cmd/groundwork) share them.

// Revisions of the emulated upgrade: v0.6.40's head, then the two
// migrations of later releases that rebuild user and model.
const (
	RevV0_6_40 = "37f288994c47"
	RevUser    = "b10670c03dd5" // 0.6.41: user's api_key, oauth_sub dropped (a batch rebuild on SQLite)
	RevPK      = "461111b60977" // 0.9.6: primary keys on every table peewee made (user, model rebuilt on SQLite)
)

// sqliteColumn is a column as PRAGMA table_info reads it, which is what
// alembic's batch mode reflects to write the new table.
type sqliteColumn struct {
	name, typ string
	notNull   bool
	dflt      sql.NullString
}

func sqliteColumns(ctx context.Context, db *sql.DB, table string) ([]sqliteColumn, error) {
	rows, err := db.QueryContext(ctx, "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sqliteColumn
	for rows.Next() {
		var c sqliteColumn
		if err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.dflt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// sqliteBatchRebuild is alembic's batch_alter_table on SQLite ("move and
// copy"): create _alembic_tmp_<table> with the new shape, copy the rows,
// drop the table, rename the copy into place, then create the table's
// indexes again. drop names the columns the migration removes; pk, when
// set, is the primary key it adds.
func sqliteBatchRebuild(ctx context.Context, db *sql.DB, table string, drop []string, pk []string) error {
	cols, err := sqliteColumns(ctx, db, table)
	if err != nil {
		return err
	}
	var idx []string
	rows, err := db.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		idx = append(idx, s)
	}
	rows.Close()
	var defs, names []string
	for _, c := range cols {
		if contains(drop, c.name) {
			continue
		}
		def := c.name + " " + c.typ
		if c.notNull {
			def += " NOT NULL"
		}
		if c.dflt.Valid {
			def += " DEFAULT " + c.dflt.String
		}
		defs, names = append(defs, def), append(names, c.name)
	}
	if len(pk) > 0 {
		defs = append(defs, fmt.Sprintf("CONSTRAINT pk_%s PRIMARY KEY (%s)", table, strings.Join(pk, ", ")))
	}
	tmp := "_alembic_tmp_" + table
	list := strings.Join(names, ", ")
	stmts := []string{
		"CREATE TABLE " + tmp + " (\n\t" + strings.Join(defs, ", \n\t") + "\n)",
		"INSERT INTO " + tmp + " (" + list + ") SELECT " + list + " FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE " + tmp + " RENAME TO " + table,
	}
	stmts = append(stmts, idx...)
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(s, "\n", 2)[0], err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SQLiteHostUpgrade runs, on the host's connection, what Open WebUI runs
// on SQLite from v0.6.40 to 461111b60977 for the tables the pack refers
// to. Like alembic on SQLite it is not one transaction: a failure leaves
// what ran before it.
func SQLiteHostUpgrade(ctx context.Context, db *sql.DB) error {
	return SQLiteHostUpgradeFrom(ctx, db, 0)
}

// SQLiteResumeAfterUserRebuild is what the host's next start runs once
// the failed rebuild of user was completed by hand: b10670c03dd5 again,
// which finds its columns added, converted and dropped and only stamps
// its revision, then 461111b60977.
const SQLiteResumeAfterUserRebuild = 4

// SQLiteHostUpgradeFrom runs SQLiteHostUpgrade from its step from on (0:
// every step), as the host's next start resumes a failed upgrade.
func SQLiteHostUpgradeFrom(ctx context.Context, db *sql.DB, from int) error {
	steps := []func() error{
		// b10670c03dd5: new columns; info and settings to JSON by
		// add, copy, drop, rename; the indexes of the dropped columns
		// dropped by hand; then the batch rebuild without api_key and
		// oauth_sub.
		func() error {
			return ExecAll(ctx, db, "ALTER TABLE user ADD COLUMN oauth JSON", "ALTER TABLE user ADD COLUMN timezone VARCHAR")
		},
		func() error {
			return ExecAll(ctx, db, "ALTER TABLE user ADD COLUMN info_json JSON", "UPDATE user SET info_json = info",
				"ALTER TABLE user DROP COLUMN info", "ALTER TABLE user RENAME COLUMN info_json TO info")
		},
		func() error {
			return ExecAll(ctx, db, "DROP INDEX IF EXISTS user_api_key", "DROP INDEX IF EXISTS user_oauth_sub")
		},
		func() error { return sqliteBatchRebuild(ctx, db, "user", []string{"api_key", "oauth_sub"}, nil) },
		func() error { return stampRevision(ctx, db, RevV0_6_40, RevUser) },
		// 461111b60977: UNIQUE(id) promoted to PRIMARY KEY by a batch
		// rebuild of every table peewee made, user and model among them.
		func() error { return ExecAll(ctx, db, "DROP TABLE IF EXISTS _alembic_tmp_user") },
		func() error { return sqliteBatchRebuild(ctx, db, "user", nil, []string{"id"}) },
		func() error { return ExecAll(ctx, db, "DROP TABLE IF EXISTS _alembic_tmp_model") },
		func() error { return sqliteBatchRebuild(ctx, db, "model", nil, []string{"id"}) },
		func() error { return stampRevision(ctx, db, RevUser, RevPK) },
	}
	for _, s := range steps[from:] {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// PostgresHostUpgrade is the same upgrade on PostgreSQL, where alembic alters
// in place: a column type changed (b10670c03dd5 did info and settings;
// name is one the view selects), a column dropped, primary keys added
// (461111b60977), each migration one transaction as alembic runs it.
func PostgresHostUpgrade(ctx context.Context, db *sql.DB) error {
	migrations := [][]string{
		{
			`ALTER TABLE public."user" ADD COLUMN oauth JSON`,
			`ALTER TABLE public."user" ALTER COLUMN info TYPE JSON USING info::json`,
			`ALTER TABLE public."user" ALTER COLUMN settings TYPE JSON USING settings::json`,
			`ALTER TABLE public."user" DROP COLUMN api_key`,
			`ALTER TABLE public."user" DROP COLUMN oauth_sub`,
			`UPDATE public.alembic_version SET version_num = '` + RevUser + `' WHERE version_num = '` + RevV0_6_40 + `'`,
		},
		{
			`ALTER TABLE public."user" ADD CONSTRAINT pk_user PRIMARY KEY (id)`,
			`ALTER TABLE public.model ADD CONSTRAINT pk_model PRIMARY KEY (id)`,
			// A change of type of columns the view selects, as a later
			// release may make: the view pins them.
			`ALTER TABLE public."user" ALTER COLUMN name TYPE text`,
			`ALTER TABLE public.model ALTER COLUMN name TYPE varchar(512)`,
			`UPDATE public.alembic_version SET version_num = '` + RevPK + `' WHERE version_num = '` + RevUser + `'`,
		},
	}
	for _, m := range migrations {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, s := range m {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// ExecAll runs stmts in order on db, each on its own.
func ExecAll(ctx context.Context, db *sql.DB, stmts ...string) error {
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func stampRevision(ctx context.Context, db *sql.DB, from, to string) error {
	return ExecAll(ctx, db, "UPDATE alembic_version SET version_num='"+to+"' WHERE alembic_version.version_num = '"+from+"'")
}
