//go:build integration

package mariadb_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/go-sql-driver/mysql" // registers "mysql", the host's connection

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/hostsafetest"
)

// hostOnMariaDB is a database with minimal host tables (Open WebUI has
// no MariaDB schema of its own to load), the suites' users in it, the
// driver and a plain connection standing for the host's.
func hostOnMariaDB(t *testing.T) (*mysql.Driver, *sql.DB) {
	t.Helper()
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	sel := core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})
	if _, err := core.NewRunner(d, reg, sel).Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustExec(t, d, "INSERT INTO `user` (id, name, email, role, created_at) VALUES ('alice', 'Alice', 'alice@example.com', 'user', 1), ('bob', 'Bob', 'bob@example.com', 'admin', 1)")
	host, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close() })
	return d, host
}

func TestHostDeletes(t *testing.T) {
	d, host := hostOnMariaDB(t)
	hostsafetest.Deletes(t, d, host, true)
}

func TestOldKeysReplaced(t *testing.T) {
	d, host := hostOnMariaDB(t)
	hostsafetest.ReplacesOldKeys(t, d, host, true)
}
