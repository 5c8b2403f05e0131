// Package mysql is the groundwork driver for MySQL 8.0.13+ and MariaDB
// 10.3+, through github.com/go-sql-driver/mysql and bun's mysqldialect:
// the catalog in three information_schema queries, DDL, view fingerprints
// kept in a small groundwork-owned table, insert-if-missing and upsert
// rendering, and a GET_LOCK lock on a dedicated connection.
//
// DDL is not transactional on MySQL or MariaDB: every CREATE, ALTER and
// DROP commits on its own. The driver says so (Capabilities), the runner
// reports each applied step as not transactional, and every step's
// statements are ordered so that a run killed between any two of them
// leaves a state the next run completes.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"

	"github.com/groundworkdb/groundwork/core"
)

// Driver is the MySQL/MariaDB dialect of groundwork. It works in the
// current database (DATABASE(), the one the DSN names).
type Driver struct {
	db    *bun.DB
	owned bool // opened by Open, so Close closes it

	// What the driver knows of the columns' native types, for
	// CreateIndex (see keyPart): from the last Inspect, and from the
	// tables and columns it rendered since.
	mu        sync.Mutex
	inspected columnTypes
	rendered  columnTypes
}

var (
	_ core.Driver             = (*Driver)(nil)
	_ core.DataSQL            = (*Driver)(nil)
	_ core.StatsRefresher     = (*Driver)(nil)
	_ core.CapabilityReporter = (*Driver)(nil)
)

// Open connects to the database named by dsn, a go-sql-driver/mysql DSN
// (user:password@tcp(host:3306)/dbname?param=value), and checks that the
// server answers. Whatever the DSN says, DATETIME values are read as
// time.Time (parseTime) and rows affected count the rows changed, not the
// rows found (clientFoundRows off: an insert-if-missing that finds its
// row reports 0), and arguments are bound by the driver in one round trip
// (interpolateParams, with the server's escaping rules) rather than by a
// server-side prepare, execute and close: three round trips per statement
// otherwise. The driver's own log lines are discarded: errors are
// returned. No error contains the password.
func Open(ctx context.Context, dsn string) (*Driver, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: bad DSN: %s: %w", scrub(err.Error(), dsn), core.ErrInvalid)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("drivers/mysql: the DSN names no database (user:password@tcp(host:3306)/dbname): %w", core.ErrInvalid)
	}
	cfg.ParseTime = true
	cfg.ClientFoundRows = false
	cfg.InterpolateParams = true
	cfg.Logger = discardLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: bad DSN: %s: %w", scrub(err.Error(), dsn, cfg.Passwd), core.ErrInvalid)
	}
	sqldb := sql.OpenDB(connector)
	// Ping first, under ctx: bun.NewDB asks the server its version
	// without a context.
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("drivers/mysql: connect to %s: %s", describe(cfg), scrub(err.Error(), dsn, cfg.Passwd))
	}
	d := New(bun.NewDB(sqldb, mysqldialect.New()))
	d.owned = true
	return d, nil
}

// New wraps an existing bun handle on a MySQL or MariaDB database. The
// handle should be opened through go-sql-driver/mysql with parseTime=true
// and without clientFoundRows; the lock needs a pool of at least two
// connections (one holds the lock while the run goes on).
func New(db *bun.DB) *Driver {
	// A clone with the hook: the caller's handle is left as it was.
	return &Driver{db: db.WithQueryHook(core.QueryCounter{})}
}

// Dialect implements core.Driver.
func (d *Driver) Dialect() string { return "mysql" }

// DB implements core.Driver.
func (d *Driver) DB() *bun.DB { return d.db }

// Close closes the database handle when Open opened it. A handle given
// to New belongs to the caller, who closes it: Close leaves it open, so an
// application's own pool survives the driver that wrapped it.
func (d *Driver) Close() error {
	if !d.owned {
		return nil
	}
	return d.db.Close()
}

// Capabilities implements core.CapabilityReporter: every DDL statement
// commits implicitly on MySQL and MariaDB.
func (d *Driver) Capabilities() core.Capabilities {
	return core.Capabilities{TransactionalDDL: false}
}

// Quote implements core.Quoter: backticks, a backtick inside doubled.
func (d *Driver) Quote(ident string) string { return core.QuoteIdent('`', ident) }

type discardLogger struct{}

func (discardLogger) Print(...any) {}

func describe(cfg *mysql.Config) string {
	return fmt.Sprintf("%s(%s) user=%s database=%s", cfg.Net, cfg.Addr, cfg.User, cfg.DBName)
}

// scrub removes from msg the password of dsn (as go-sql-driver splits a
// DSN: the text between the first ':' and the last '@' before the last
// '/') and the extra secrets, in their escaped spellings too.
func scrub(msg, dsn string, extra ...string) string {
	secrets := append([]string{}, extra...)
	if slash := strings.LastIndexByte(dsn, '/'); slash > 0 {
		if at := strings.LastIndexByte(dsn[:slash], '@'); at > 0 {
			if colon := strings.IndexByte(dsn[:at], ':'); colon >= 0 {
				secrets = append(secrets, dsn[colon+1:at])
			}
		}
	}
	return core.Redact(msg, secrets, "xxxxx")
}

var _ core.ConflictReporter = (*Driver)(nil)

// Conflict implements core.ConflictReporter: InnoDB chose the
// transaction as a deadlock's victim (1213) and rolled it back whole.
func (d *Driver) Conflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
