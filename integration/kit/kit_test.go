//go:build integration

package kit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
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

// packRegistry is the organization-access pack with the host tables a
// test database lacks, as a development organization.
func packRegistry(t *testing.T) *core.Registry {
	t.Helper()
	cfg := orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: "sk-or-v1-kit-test"}
	reg, err := core.NewRegistry(append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(cfg)...)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

var withHost = core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}})

// TestTargets proves the one-call API on every target: a fresh database,
// a registry that converges on it, a template copied per test.
func TestTargets(t *testing.T) {
	for _, tg := range kit.Targets() {
		t.Run(tg.Name(), func(t *testing.T) {
			db := tg.NewDatabase(t)
			d := db.Open(t)
			if d.Dialect() != tg.Dialect() || db.Dialect != tg.Dialect() {
				t.Fatalf("dialect %s / %s, want %s", d.Dialect(), db.Dialect, tg.Dialect())
			}
			c := kit.RequireConverges(t, d, packRegistry(t), withHost)
			if !c.First.Changed || c.Second.Changed || c.Verify.Status != core.RunConverged {
				t.Fatalf("unexpected reports:\n%s\n%s\n%s", kit.DumpReport(c.First), kit.DumpReport(c.Second), kit.DumpReport(c.Verify))
			}

			// A registry that never settles is caught by the second run.
			flip := &flipStep{}
			reg, err := core.NewRegistry(flip)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := kit.Converges(ctx, d, reg); !errors.Is(err, core.ErrNotConverged) {
				t.Fatalf("a step that always has work converged: %v", err)
			}

			built := 0
			build := func(ctx context.Context, d core.Driver) error {
				built++
				_, err := d.DB().ExecContext(ctx, "CREATE TABLE tpl_probe (id INTEGER PRIMARY KEY)")
				if err == nil {
					_, err = d.DB().ExecContext(ctx, "INSERT INTO tpl_probe (id) VALUES (1), (2)")
				}
				return err
			}
			tpl := tg.Template(t, "probe", build)
			if again := tg.Template(t, "probe", build); again != tpl {
				t.Fatal("a second Template call with the same key built another template")
			}
			a, b := tpl.NewDatabase(t), tpl.NewDatabase(t)
			if a.Name == b.Name {
				t.Fatalf("two copies share database %s", a.Name)
			}
			da, dbb := a.Open(t), b.Open(t)
			if _, err := da.DB().ExecContext(ctx, "DELETE FROM tpl_probe"); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := dbb.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM tpl_probe").Scan(&n); err != nil || n != 2 {
				t.Fatalf("the second copy has %d rows (%v), want the template's 2, untouched by the first copy", n, err)
			}
			// MariaDB cannot copy a database: each copy is built afresh.
			if want := map[string]int{"mariadb": 2}[tg.Name()]; built != max(want, 1) {
				t.Fatalf("template built %d times, want %d", built, max(want, 1))
			}
			if want := map[string]string{"sqlite": "sqlite:////", "postgres": "postgres://", "mariadb": "mysql://"}[tg.Name()]; !strings.HasPrefix(a.URL, want) {
				t.Fatalf("URL %q, want a %s… URL for groundwork --db", a.URL, want)
			}
		})
	}
}

// flipStep always has one harmless statement to run.
type flipStep struct{}

func (*flipStep) Info() core.StepInfo { return core.StepInfo{ID: "flip", Description: "never settles"} }

func (*flipStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	p := &core.Plan{}
	p.Add("select one", "SELECT 1")
	return p, nil
}
