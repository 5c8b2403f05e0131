package kit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// setupTimeout bounds creating, copying or dropping one test database.
const setupTimeout = 2 * time.Minute

// Target is a kind of database the suites run on: SQLite files, or
// databases on the test binary's shared PostgreSQL server. Its zero value
// is not usable: take one from [Targets], [SQLite] or [Postgres].
type Target struct {
	name    string
	dialect string
	// server returns the shared server, skipping the test without Docker;
	// nil for SQLite.
	server func(testing.TB) *Server
	// open opens a driver on a DSN of this target.
	open func(ctx context.Context, dsn string) (core.Driver, error)
	// url turns a DSN into the URL `groundwork --db` takes.
	url func(dsn string) string
	// noTemplates: the server cannot copy a database (MariaDB), so each
	// copy of a template is built afresh.
	noTemplates bool
}

// Targets returns every target the kit supports, SQLite first: the
// dialects a scenario should run on.
func Targets() []Target {
	return []Target{SQLite(), Postgres(), MariaDB()}
}

// Name names the target for subtests: "sqlite", "postgres" or "mariadb".
func (tg Target) Name() string { return tg.name }

// Dialect is what the target's drivers return from core.Driver.Dialect.
func (tg Target) Dialect() string { return tg.dialect }

// Database is one test database: where it is and how to open it.
type Database struct {
	// Dialect is the driver's dialect: "sqlite", "postgres" or "mysql".
	Dialect string
	// Name is the database's name on its server; for SQLite the file path.
	Name string
	// DSN is what the dialect's driver Open takes (for SQLite the path).
	DSN string
	// URL is the same database as groundwork's --db takes it.
	URL string

	target Target
}

// Open opens a new driver on the database (its own connections), closed
// when the test ends.
func (db *Database) Open(t testing.TB) core.Driver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	d, err := db.Connect(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = closeDriver(d) })
	return d
}

// Connect opens a new driver on the database; the caller closes it (see
// Close).
func (db *Database) Connect(ctx context.Context) (core.Driver, error) {
	d, err := db.target.open(ctx, db.DSN)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: open %s database %s: %w", db.target.name, db.Name, err)
	}
	return d, nil
}

// Close closes a driver opened by Connect: every groundwork driver has a
// Close method, but core.Driver does not require one.
func Close(d core.Driver) error { return closeDriver(d) }

func closeDriver(d core.Driver) error {
	if c, ok := d.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// NewDatabase returns a fresh, empty database, removed when the test ends.
// On a server target it skips the test when no server can be had
// (fails it when CI=true).
func (tg Target) NewDatabase(t testing.TB) *Database {
	t.Helper()
	if tg.server == nil {
		return tg.newSQLite(t)
	}
	srv := tg.server(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name, err := srv.databaseName("")
	if err != nil {
		t.Fatalf("%v", err)
	}
	dsn, err := srv.CreateDatabase(ctx, name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { dropAfterTest(t, srv, name) })
	return tg.database(name, dsn)
}

func (tg Target) database(name, dsn string) *Database {
	return &Database{Dialect: tg.dialect, Name: name, DSN: dsn, URL: tg.url(dsn), target: tg}
}

// dropAfterTest removes a test database from the shared server so that
// hundreds of tests do not fill the container's memory (its data directory
// is a tmpfs). The database is kept when the test failed, for a post-mortem
// while the container runs.
func dropAfterTest(t testing.TB, srv *Server, name string) {
	if t.Failed() {
		t.Logf("integration/kit: keeping database %s of the failed test", name)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := srv.DropDatabase(ctx, name); err != nil {
		t.Errorf("%v", err)
	}
}
