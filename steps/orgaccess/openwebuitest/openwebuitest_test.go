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

// Every schema loads into an empty database and carries the revision its
// migrations stamped.
func TestLoadSchema(t *testing.T) {
	ctx := context.Background()
	open := map[string]func(t *testing.T) *sql.DB{
		"sqlite": func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "webui.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) *sql.DB {
			srv := hostpg.Require(t)
			db, err := sql.Open("pgx", srv.URL("postgres"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, gen := range openwebuitest.Generations() {
			t.Run(dialect+"/"+gen, func(t *testing.T) {
				db := open[dialect](t)
				if err := openwebuitest.LoadSchema(ctx, db, dialect, gen); err != nil {
					t.Fatal(err)
				}
				var rev string
				if err := db.QueryRowContext(ctx, "SELECT version_num FROM alembic_version").Scan(&rev); err != nil {
					t.Fatal(err)
				}
				var users int
				if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "user"`).Scan(&users); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s %s: alembic revision %s", dialect, gen, rev)
			})
		}
	}
}
