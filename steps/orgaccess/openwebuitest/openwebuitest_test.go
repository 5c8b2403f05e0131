package openwebuitest_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

func openDB(t *testing.T, dialect string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	switch dialect {
	case "sqlite":
		db, err = sql.Open("sqlite", filepath.Join(t.TempDir(), "webui.db"))
	case "postgres":
		db, err = sql.Open("pgx", hostpg.Require(t).URL("postgres"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Every generation loads into an empty database with its rows, carries
// the revision its migrations stamped, and snapshots the same twice.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, gen := range openwebuitest.Generations() {
			t.Run(dialect+"/"+gen, func(t *testing.T) {
				db := openDB(t, dialect)
				if err := openwebuitest.Load(ctx, db, dialect, gen); err != nil {
					t.Fatal(err)
				}
				var rev string
				if err := db.QueryRowContext(ctx, "SELECT version_num FROM alembic_version").Scan(&rev); err != nil {
					t.Fatal(err)
				}
				var users, models int
				if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM "user"), (SELECT COUNT(*) FROM model)`).Scan(&users, &models); err != nil {
					t.Fatal(err)
				}
				if users != 5 || models != len(openwebuitest.ExistingModels()) {
					t.Fatalf("%d users, %d models", users, models)
				}
				a, err := openwebuitest.TakeSnapshot(ctx, db, dialect, gen)
				if err != nil {
					t.Fatal(err)
				}
				b, err := openwebuitest.TakeSnapshot(ctx, db, dialect, gen)
				if err != nil {
					t.Fatal(err)
				}
				if d := a.Diff(b); len(d) != 0 {
					t.Fatalf("two snapshots differ: %v", d)
				}
				t.Logf("%s %s: alembic revision %s, %d tables, %d rows", dialect, gen, rev, len(a), a.Rows())
			})
		}
	}
}
