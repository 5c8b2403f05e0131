//go:build integration

package kit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/groundworkdb/groundwork/integration/kit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// queryVersion opens dsn with driver, checks that it is connected to
// database dbname, and returns SELECT version().
func queryVersion(t *testing.T, driver, dsn, currentDBQuery, dbname string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	defer db.Close()
	var version, current string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatalf("SELECT version() on %s: %v", dsn, err)
	}
	if err := db.QueryRowContext(ctx, currentDBQuery).Scan(&current); err != nil {
		t.Fatalf("%s on %s: %v", currentDBQuery, dsn, err)
	}
	if current != dbname {
		t.Fatalf("connected to database %q, want %q", current, dbname)
	}
	// The database is the test's own: it can create tables in it.
	if _, err := db.ExecContext(ctx, "CREATE TABLE kit_probe (id INT PRIMARY KEY)"); err != nil {
		t.Fatalf("create table in %s: %v", dbname, err)
	}
	return version
}

func TestSharedPostgres(t *testing.T) {
	srv := kit.SharedPostgres(t)
	t.Logf("postgres at %s:%s", srv.Host(), srv.Port())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, name := range []string{"kit_pg_one", ""} {
		dsn, err := srv.CreateDatabase(ctx, name)
		if err != nil {
			t.Fatalf("CreateDatabase(%q): %v", name, err)
		}
		if !strings.HasPrefix(dsn, "postgres://") || !strings.HasSuffix(dsn, "?sslmode=disable") {
			t.Fatalf("unexpected DSN %q", dsn)
		}
		want := name
		if want == "" {
			want = dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
		}
		v := queryVersion(t, "pgx", dsn, "SELECT current_database()", want)
		if !strings.HasPrefix(v, "PostgreSQL 15.") {
			t.Fatalf("version %q, want PostgreSQL 15", v)
		}
		t.Logf("%s: %s", want, v)
	}
	if _, err := srv.CreateDatabase(ctx, "kit_pg_one"); err == nil {
		t.Fatal("creating kit_pg_one twice succeeded")
	}
	if _, err := srv.CreateDatabase(ctx, "Bad-Name"); err == nil {
		t.Fatal("CreateDatabase accepted an invalid name")
	}
	// A database copied from a template has the template's tables.
	dsn, err := srv.CreateDatabaseFromTemplate(ctx, "kit_pg_copy", "kit_pg_one")
	if err != nil {
		t.Fatalf("CreateDatabaseFromTemplate: %v", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM kit_probe").Scan(&n); err != nil {
		t.Fatalf("table from template: %v", err)
	}
	if got := kit.SharedPostgres(t); got != srv {
		t.Fatal("SharedPostgres started a second server")
	}
}

func TestSharedMariaDB(t *testing.T) {
	srv := kit.SharedMariaDB(t)
	t.Logf("mariadb at %s:%s", srv.Host(), srv.Port())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, name := range []string{"kit_maria_one", ""} {
		dsn, err := srv.CreateDatabase(ctx, name)
		if err != nil {
			t.Fatalf("CreateDatabase(%q): %v", name, err)
		}
		if !strings.HasSuffix(dsn, "?parseTime=true&multiStatements=false") {
			t.Fatalf("unexpected DSN %q", dsn)
		}
		want := name
		if want == "" {
			want = dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
		}
		v := queryVersion(t, "mysql", dsn, "SELECT DATABASE()", want)
		if !strings.Contains(v, "MariaDB") || !strings.HasPrefix(v, "10.11.") {
			t.Fatalf("version %q, want MariaDB 10.11", v)
		}
		t.Logf("%s: %s", want, v)
	}
	if _, err := srv.CreateDatabase(ctx, "kit_maria_one"); err == nil {
		t.Fatal("creating kit_maria_one twice succeeded")
	}
	if _, err := srv.CreateDatabaseFromTemplate(ctx, "x", "y"); err == nil {
		t.Fatal("CreateDatabaseFromTemplate succeeded on MariaDB")
	}
	// The ordinary user sees only its own databases, not another test's
	// tables through mysql.* privileges.
	db, err := sql.Open("mysql", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE kit_not_granted"); err == nil {
		t.Fatal("the ordinary user could create a database")
	}
	if got := kit.SharedMariaDB(t); got != srv {
		t.Fatal("SharedMariaDB started a second server")
	}
}
