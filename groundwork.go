// Package groundwork is the one-call API: make sure the database an
// application already has open holds every structure and row its steps
// declare, at service start, in one call.
//
//	rep, err := groundwork.Apply(ctx, db, mySteps()...) // db: the app's *sql.DB or *bun.DB
//
// The dialect is found from the handle's driver (pgx, go-sql-driver/mysql,
// modernc.org/sqlite) or given with WithDialect. Verify is the readiness
// check, Plan the dry run. Open accepts every URL form the CLI's --db
// does (postgres://, mysql:// and mariadb://, sqlite://), for a program
// that has no handle yet.
//
// Ownership: groundwork never closes a handle it did not open. A *sql.DB
// or *bun.DB given to Apply, Verify, Plan or New is the application's and
// stays open; only a DB returned by Open is closed by its Close.
//
// A pool limited to one connection (db.SetMaxOpenConns(1)) cannot hold
// PostgreSQL's or MySQL's cross-process lock on one connection while the
// steps run on another: it would wait until the context ends. New refuses
// it at once with ErrPoolTooSmall. SQLite's lock is a file, so one
// connection is enough there.
package groundwork

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	msqlite "modernc.org/sqlite"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/internal/dburl"
)

// The dialects WithDialect takes, as core.Driver.Dialect spells them.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	SQLite   = "sqlite"
)

// ErrPoolTooSmall is returned by New for a PostgreSQL or MySQL pool of one
// connection: the lock holds one while the steps need another.
var ErrPoolTooSmall = errors.New("groundwork: the pool allows one connection; the lock holds one while the steps run on another: allow at least two (db.SetMaxOpenConns(2) or more, or 0 for no limit)")

// ErrUnknownDialect is returned when the dialect cannot be found from the
// handle's driver and WithDialect does not give it.
var ErrUnknownDialect = errors.New("groundwork: cannot tell the dialect from the handle's driver: give it with WithDialect")

// Option configures New, Open and the one-call functions.
type Option func(*config)

type config struct {
	dialect    string
	sqlitePath string
	logger     *slog.Logger
	runner     []core.Option
	pg         []postgres.Option
}

// WithDialect gives the dialect ("postgres", "mysql" or "sqlite") instead
// of finding it from the handle's driver.
func WithDialect(d string) Option { return func(c *config) { c.dialect = d } }

// WithSQLitePath names the database file of an SQLite handle, which names
// the lock file: give the same path every process uses. Without it New
// asks the database (PRAGMA database_list).
func WithSQLitePath(path string) Option { return func(c *config) { c.sqlitePath = path } }

// WithLogger logs the runs through l (the default discards).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRunnerOptions passes options to every core.Runner (lock name and
// timeout, selection, environment, recorder).
func WithRunnerOptions(opts ...core.Option) Option {
	return func(c *config) { c.runner = append(c.runner, opts...) }
}

// WithPostgresOptions passes options to the PostgreSQL driver (the lock
// mode, for a connection through a transaction pooler).
func WithPostgresOptions(opts ...postgres.Option) Option {
	return func(c *config) { c.pg = append(c.pg, opts...) }
}

// DB is a database groundwork runs steps on: a driver, and whether
// groundwork opened it (and so closes it).
type DB struct {
	driver core.Driver
	pool   *sql.DB
	owned  bool
	cfg    config
}

func configure(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.logger != nil {
		c.runner = append([]core.Option{core.WithLogger(c.logger)}, c.runner...)
	}
	return c
}

// New wraps handle, a *sql.DB or *bun.DB the application opened. The DB
// never closes it: Close is a no-op for it, and the application closes
// its pool itself. A PostgreSQL or MySQL pool of one connection is
// refused with ErrPoolTooSmall.
func New(ctx context.Context, handle any, opts ...Option) (*DB, error) {
	cfg := configure(opts)
	var bdb *bun.DB
	switch h := handle.(type) {
	case *bun.DB:
		if h == nil {
			return nil, fmt.Errorf("groundwork: nil *bun.DB: %w", core.ErrInvalid)
		}
		bdb = h
		if cfg.dialect == "" {
			cfg.dialect = bunDialect(h)
		}
	case *sql.DB:
		if h == nil {
			return nil, fmt.Errorf("groundwork: nil *sql.DB: %w", core.ErrInvalid)
		}
		if cfg.dialect == "" {
			cfg.dialect = sqlDialect(h)
		}
	default:
		return nil, fmt.Errorf("groundwork: handle is %T, want *sql.DB or *bun.DB: %w", handle, core.ErrInvalid)
	}
	var pool *sql.DB
	if bdb != nil {
		pool = bdb.DB
	} else {
		pool = handle.(*sql.DB)
	}
	if err := checkPool(cfg.dialect, pool); err != nil {
		return nil, err
	}
	var d core.Driver
	switch cfg.dialect {
	case Postgres:
		if bdb == nil {
			bdb = bun.NewDB(pool, pgdialect.New())
		}
		d = postgres.New(bdb, cfg.pg...)
	case MySQL:
		if bdb == nil {
			// bun.NewDB asks the server its version without a context:
			// make sure it answers first, under ctx.
			if err := pool.PingContext(ctx); err != nil {
				return nil, fmt.Errorf("groundwork: mysql: %w", err)
			}
			bdb = bun.NewDB(pool, mysqldialect.New())
		}
		d = mysql.New(bdb)
	case SQLite:
		if bdb == nil {
			bdb = bun.NewDB(pool, sqlitedialect.New())
		}
		path := cfg.sqlitePath
		if path == "" {
			p, err := sqliteFile(ctx, pool)
			if err != nil {
				return nil, err
			}
			path = p
		}
		d = sqlite.New(bdb, path)
	case "":
		return nil, ErrUnknownDialect
	default:
		return nil, fmt.Errorf("groundwork: unknown dialect %q (want postgres, mysql or sqlite): %w", cfg.dialect, core.ErrInvalid)
	}
	return &DB{driver: d, pool: pool, cfg: cfg}, nil
}

// Open connects to url, in any form the CLI's --db takes: postgres://,
// postgresql://, mysql://, mariadb:// or sqlite:// (see the README's
// "Database URLs"). The DB owns the connection: Close closes it. No error
// contains the password.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg := configure(opts)
	u, err := dburl.Parse(url)
	if err != nil {
		return nil, fmt.Errorf("groundwork: %w", err)
	}
	var d core.Driver
	var pool *sql.DB
	switch u.Dialect {
	case dburl.Postgres:
		pd, err := postgres.Open(ctx, u.DSN, cfg.pg...)
		if err != nil {
			return nil, fmt.Errorf("groundwork: open %s: %w", u.Redacted(), err)
		}
		d, pool = pd, pd.DB().DB
	case dburl.MySQL:
		md, err := mysql.Open(ctx, u.DSN)
		if err != nil {
			return nil, fmt.Errorf("groundwork: open %s: %w", u.Redacted(), err)
		}
		d, pool = md, md.DB().DB
	case dburl.SQLite:
		if dir := filepath.Dir(u.Path); dir != "." {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("groundwork: open %s: directory %s does not exist: %w", u.Redacted(), dir, core.ErrInvalid)
			}
		}
		sd, err := sqlite.Open(u.Path)
		if err != nil {
			return nil, fmt.Errorf("groundwork: open %s: %w", u.Redacted(), err)
		}
		if err := sd.DB().PingContext(ctx); err != nil {
			_ = sd.Close()
			return nil, fmt.Errorf("groundwork: open %s: %w", u.Redacted(), err)
		}
		d, pool = sd, sd.DB().DB
	default:
		return nil, fmt.Errorf("groundwork: dialect %s: %w", u.Dialect, core.ErrUnsupported)
	}
	cfg.dialect = d.Dialect()
	return &DB{driver: d, pool: pool, owned: true, cfg: cfg}, nil
}

// Driver is the groundwork driver, for core.NewRunner and the kit.
func (db *DB) Driver() core.Driver { return db.driver }

// Close closes the connection when Open opened it, and does nothing for a
// handle given to New: that one is the application's.
func (db *DB) Close() error {
	if !db.owned {
		return nil
	}
	if c, ok := db.driver.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// Apply makes every step hold (see core.Runner.Apply).
func (db *DB) Apply(ctx context.Context, steps ...core.Step) (*core.Report, error) {
	return db.run(ctx, core.ModeApply, steps)
}

// Verify checks every step read-only, the readiness probe (see
// core.Runner.Verify).
func (db *DB) Verify(ctx context.Context, steps ...core.Step) (*core.Report, error) {
	return db.run(ctx, core.ModeVerify, steps)
}

// Plan reports what Apply would do and writes nothing (see
// core.Runner.Plan).
func (db *DB) Plan(ctx context.Context, steps ...core.Step) (*core.Report, error) {
	return db.run(ctx, core.ModePlan, steps)
}

func (db *DB) run(ctx context.Context, mode string, steps []core.Step) (*core.Report, error) {
	// The application may have shrunk its pool since New.
	if err := checkPool(db.cfg.dialect, db.pool); err != nil {
		return nil, err
	}
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		return nil, err
	}
	r := core.NewRunner(db.driver, reg, db.cfg.runner...)
	switch mode {
	case core.ModeVerify:
		return r.Verify(ctx)
	case core.ModePlan:
		return r.Plan(ctx)
	}
	return r.Apply(ctx)
}

// Apply runs steps on the application's handle (a *sql.DB or *bun.DB) in
// one call, and leaves the handle open.
func Apply(ctx context.Context, handle any, steps ...core.Step) (*core.Report, error) {
	return oneCall(ctx, handle, core.ModeApply, steps)
}

// Verify checks steps on the application's handle read-only, and leaves
// the handle open.
func Verify(ctx context.Context, handle any, steps ...core.Step) (*core.Report, error) {
	return oneCall(ctx, handle, core.ModeVerify, steps)
}

// Plan reports what Apply would do on the application's handle.
func Plan(ctx context.Context, handle any, steps ...core.Step) (*core.Report, error) {
	return oneCall(ctx, handle, core.ModePlan, steps)
}

func oneCall(ctx context.Context, handle any, mode string, steps []core.Step) (*core.Report, error) {
	db, err := New(ctx, handle)
	if err != nil {
		return nil, err
	}
	return db.run(ctx, mode, steps)
}

func checkPool(dialect string, pool *sql.DB) error {
	if (dialect == Postgres || dialect == MySQL) && pool.Stats().MaxOpenConnections == 1 {
		return ErrPoolTooSmall
	}
	return nil
}

func bunDialect(db *bun.DB) string {
	switch db.Dialect().Name() {
	case dialect.PG:
		return Postgres
	case dialect.MySQL:
		return MySQL
	case dialect.SQLite:
		return SQLite
	}
	return ""
}

func sqlDialect(db *sql.DB) string {
	switch db.Driver().(type) {
	case *stdlib.Driver:
		return Postgres
	case *gomysql.MySQLDriver, gomysql.MySQLDriver:
		return MySQL
	case *msqlite.Driver:
		return SQLite
	}
	return ""
}

// sqliteFile asks SQLite which file the main database is.
func sqliteFile(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("groundwork: sqlite: find the database file: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", fmt.Errorf("groundwork: sqlite: find the database file: %w", err)
		}
		if name == "main" {
			if file == "" {
				return "", fmt.Errorf("groundwork: sqlite: the database is in memory; give a file (or WithSQLitePath for the lock file): %w", core.ErrInvalid)
			}
			return file, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("groundwork: sqlite: find the database file: %w", err)
	}
	return "", fmt.Errorf("groundwork: sqlite: no main database: %w", core.ErrInvalid)
}
