//go:build integration

package kit_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/steps/schema"
	"github.com/groundworkdb/groundwork/steps/schema/rowstest"
)

func rowsRegistry(t *testing.T) *core.Registry {
	t.Helper()
	reg, err := core.NewRegistry(schema.Table(rowstest.Table()),
		schema.Rows("tenant_settings", []string{"tenant_id"}, []schema.Row{{"id": "t1", "tenant_id": "acme", "plan": "free", "seats": 3}},
			schema.InsertOnly("created_at", "updated_at"), schema.After(schema.TableID("tenant_settings"))))
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestDSNModePostgres: the kit on an existing server named by a DSN (here
// a throwaway server of the host's programs, started by the test): each
// test gets its own database, which is dropped after it, in both DSN
// spellings.
func TestDSNModePostgres(t *testing.T) {
	srv := hostpg.Require(t, hostpg.WithPassword("ci", "kit-dsn-Secret-77"))
	for name, dsn := range map[string]string{
		"url":       srv.URL("postgres"),
		"key=value": fmt.Sprintf("host=127.0.0.1 port=%d user=ci password=kit-dsn-Secret-77 dbname=postgres sslmode=disable", srv.Port),
	} {
		t.Run(name, func(t *testing.T) {
			tg := kit.PostgresAt(dsn)
			var dbName string
			t.Run("converges", func(t *testing.T) {
				db := tg.NewDatabase(t)
				dbName = db.Name
				if !strings.HasPrefix(db.Name, "gw_test_") || db.Name == "postgres" {
					t.Fatalf("database %q: want a fresh gw_test_… database", db.Name)
				}
				kit.RequireConverges(t, db.Open(t), rowsRegistry(t))
			})
			admin, err := sql.Open("pgx", srv.URL("postgres"))
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			var n int
			if err := admin.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM pg_database WHERE datname = $1", dbName).Scan(&n); err != nil || n != 0 {
				t.Fatalf("database %s after the test: %d left (%v); want it dropped", dbName, n, err)
			}
		})
	}
	if err := kit.TerminateShared(); err != nil {
		t.Fatal(err)
	}
}

// TestDSNModeMySQL: the same on the shared MariaDB container, named by a
// mysql:// URL as a CI service container would be.
func TestDSNModeMySQL(t *testing.T) {
	srv := kit.SharedMariaDB(t)
	url := fmt.Sprintf("mysql://root:kit-maria-Secret-5f3a@%s:%s/mysql", srv.Host(), srv.Port())
	tg := kit.MySQLAt(url)
	var dbName string
	t.Run("converges", func(t *testing.T) {
		db := tg.NewDatabase(t)
		dbName = db.Name
		kit.RequireConverges(t, db.Open(t), rowsRegistry(t))
	})
	admin, err := sql.Open("mysql", srv.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", dbName).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s after the test: %d left (%v); want it dropped", dbName, n, err)
	}
}

// TestHostPostgresTarget: the host's programs as a target of their own.
func TestHostPostgresTarget(t *testing.T) {
	tg := kit.HostPostgres()
	kit.RequireConverges(t, tg.NewDatabase(t).Open(t), rowsRegistry(t))
}
