package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os/exec"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/groundworkdb/groundwork/core"
)

// Database is one database of a dialect: a file for SQLite, a database
// on the server for PostgreSQL.
type Database struct {
	// Name is the SQLite file path or the server's database name.
	Name string
	// DSN is what the dialect's connector reads.
	DSN string
}

// Dialect is one kind of database the harness measures. Everything that
// differs between dialects is here, so a new dialect (MariaDB) is one
// more implementation of this interface listed in newDialect; the
// workloads never switch on a dialect's name.
type Dialect interface {
	Name() string
	// Start starts the server, when there is one; Close stops it and
	// removes what Start made.
	Start(ctx context.Context) error
	Close(ctx context.Context) error

	// Create makes a new empty database; Clone copies src, to which no one
	// may be connected; Drop removes a database.
	Create(ctx context.Context) (*Database, error)
	Clone(ctx context.Context, src *Database) (*Database, error)
	Drop(ctx context.Context, db *Database) error

	// Connector connects with the settings groundwork's own driver uses;
	// every tool gets the same, so only the tools differ.
	Connector(db *Database) (driver.Connector, error)
	// Groundwork wraps a handle on db into groundwork's driver.
	Groundwork(sqldb *sql.DB, db *Database) core.Driver
	// URL is the CLI's --db for db.
	URL(db *Database) string

	// FloorCommand runs the SQL script in file scriptPath with the
	// dialect's own command-line client (psql, sqlite3).
	FloorCommand(db *Database, scriptPath string) (*exec.Cmd, error)
	// Script wraps statements into a script for FloorCommand: one
	// transaction, the session settings groundwork's driver sets.
	Script(statements []string) string

	// The peers.
	Gorm(sqldb *sql.DB) gorm.Dialector
	Atlas(sqldb *sql.DB) (migrate.Driver, error)
	// AtlasSchema is the schema of db Atlas inspects (the realm is
	// limited to it).
	AtlasSchema(db *Database) string
	Goose() goose.Dialect
	// GooseCLI is the driver name and DBSTRING goose's command line takes
	// for db.
	GooseCLI(db *Database) (driver, dbstring string)

	// Analyze is the statement that gathers the planner's statistics of
	// the tables the view reads.
	Analyze() string
	// AtRest is the maintenance the server itself gives a database at
	// rest, which a benchmark that has just written its rows must do to
	// measure what a restart minutes later meets (PostgreSQL's
	// autovacuum: the visibility map that lets a count read an index
	// only); "" where there is none to stand in for.
	AtRest() string

	// Explain returns the plan of query as the server shows it, actual
	// timings included where the dialect can.
	Explain(ctx context.Context, sqldb *sql.DB, query string, args ...any) (string, error)
}

// newDialect returns the dialect named name.
func newDialect(name string, cfg Config) (Dialect, error) {
	switch name {
	case "sqlite":
		return newSQLite(cfg), nil
	case "postgres":
		return newPostgres(cfg), nil
	case "mariadb":
		return newMariaDB(cfg), nil
	}
	return nil, fmt.Errorf("bench: unknown dialect %q (want sqlite, postgres or mariadb)", name)
}

// scriptOf joins statements into one script, each ended by a semicolon.
func scriptOf(head, tail string, statements []string) string {
	var b strings.Builder
	b.WriteString(head)
	for _, s := range statements {
		b.WriteString(strings.TrimRight(strings.TrimSpace(s), ";"))
		b.WriteString(";\n")
	}
	b.WriteString(tail)
	return b.String()
}

// networked is a dialect with a server the harness can put a latency
// proxy in front of.
type networked interface {
	// ServerAddr is the server's host:port.
	ServerAddr() string
	// Via returns db reached at addr (a proxy) instead of the server.
	Via(db *Database, addr string) (*Database, error)
}
