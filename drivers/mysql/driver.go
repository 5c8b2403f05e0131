// Package mysql is the groundwork driver for MySQL 8.0.13+ and MariaDB
// 10.3+, through github.com/go-sql-driver/mysql and bun's mysqldialect:
// the catalog in one information_schema statement, DDL, view fingerprints
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
	"net/url"
	"strings"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/internal/handle"
	"github.com/groundworkdb/groundwork/internal/redact"
)

// Driver is the MySQL/MariaDB dialect of groundwork. It works in the
// current database (DATABASE(), the one the DSN names).
type Driver struct {
	handle.Handle
}

var (
	_ driver.Driver             = (*Driver)(nil)
	_ driver.DataSQL            = (*Driver)(nil)
	_ driver.StatsRefresher     = (*Driver)(nil)
	_ driver.CapabilityReporter = (*Driver)(nil)
)

// Open connects to the database named by dsn, a go-sql-driver/mysql DSN
// (user:password@tcp(host:3306)/dbname?param=value), and checks that the
// server answers. Whatever the DSN says, DATETIME values are read as
// time.Time (parseTime) and rows affected count the rows changed, not the
// rows found (clientFoundRows off: an insert-if-missing that finds its
// row reports 0), and arguments are bound by the driver in one round trip
// (interpolateParams) rather than by a server-side prepare, execute and
// close: three round trips per statement otherwise. Interpolating is safe
// because go-sql-driver escapes as the server reads: with quotes alone
// when the server's status says NO_BACKSLASH_ESCAPES, with backslashes
// otherwise, and it refuses a collation of a character set in which a
// backslash byte can end a multibyte character (GBK, Big5, SJIS, CP932,
// GB2312); Open refuses such a charset parameter too, which go-sql-driver
// would set after the handshake without that check. The driver's own log
// lines are discarded: errors are returned. No error contains the
// password.
//
// Open costs the connection's handshake and nothing more: no ping, no
// session SET (the DSN's own system variables aside), and bun's question
// of the server's version waits until a bun query builder needs it
// (lazyDialect).
func Open(ctx context.Context, dsn string) (*Driver, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: bad DSN: %s: %w", scrub(err.Error(), dsn), model.ErrInvalid)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("drivers/mysql: the DSN names no database (user:password@tcp(host:3306)/dbname): %w", model.ErrInvalid)
	}
	if cs := unsafeCharset(dsn); cs != "" {
		return nil, fmt.Errorf("drivers/mysql: bad DSN: charset %s: a backslash byte may end one of its characters, so arguments bound by the driver could be misread; use utf8mb4: %w", cs, model.ErrInvalid)
	}
	cfg.ParseTime = true
	cfg.ClientFoundRows = false
	cfg.InterpolateParams = true
	cfg.Logger = discardLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("drivers/mysql: bad DSN: %s: %w", scrub(err.Error(), dsn, cfg.Passwd), model.ErrInvalid)
	}
	sqldb := sql.OpenDB(connector)
	// Connect under ctx, the handshake proving the server answers and
	// takes the credentials, and leave the connection in the pool for the
	// first query. Not a ping: that is one more round trip, on every
	// start, for nothing the handshake has not shown.
	conn, err := sqldb.Conn(ctx)
	if err == nil {
		err = conn.Close()
	}
	if err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("drivers/mysql: connect to %s: %s", describe(cfg), scrub(err.Error(), dsn, cfg.Passwd))
	}
	d := New(bun.NewDB(sqldb, newLazyDialect()))
	handle.Own(&d.Handle)
	return d, nil
}

// New wraps an existing bun handle on a MySQL or MariaDB database. The
// handle should be opened through go-sql-driver/mysql with parseTime=true
// and without clientFoundRows; the lock needs a pool of at least two
// connections (one holds the lock while the run goes on).
func New(db *bun.DB) *Driver {
	// A clone with the hook: the caller's handle is left as it was.
	return &Driver{Handle: handle.Borrow(db)}
}

// Dialect implements driver.Driver.
func (d *Driver) Dialect() string { return "mysql" }

// Capabilities implements driver.CapabilityReporter: every DDL statement
// commits implicitly on MySQL and MariaDB.
func (d *Driver) Capabilities() driver.Capabilities {
	return driver.Capabilities{TransactionalDDL: false}
}

// Quote implements model.Quoter: backticks, a backtick inside doubled.
func (d *Driver) Quote(ident string) string { return sqlkit.QuoteIdent('`', ident) }

// unsafeCharset returns the first character set of dsn's charset
// parameter in which escaping with backslashes is unsafe, or "". The
// parameters follow the '?' after the last '/', as go-sql-driver reads
// them; it keeps the charsets to itself.
func unsafeCharset(dsn string) string {
	slash := strings.LastIndexByte(dsn, '/')
	q := strings.IndexByte(dsn[slash+1:], '?')
	if q < 0 {
		return ""
	}
	params, err := url.ParseQuery(dsn[slash+1+q+1:])
	if err != nil {
		return "" // go-sql-driver has accepted it; its charsets are in plain text
	}
	for _, v := range params["charset"] {
		for _, cs := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(cs)) {
			case "big5", "cp932", "gb2312", "gbk", "sjis", "gb18030":
				return cs
			}
		}
	}
	return ""
}

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
	return redact.String(msg, secrets, "xxxxx")
}

var _ driver.ConflictReporter = (*Driver)(nil)

// Conflict implements driver.ConflictReporter: InnoDB chose the
// transaction as a deadlock's victim (1213) and rolled it back whole.
func (d *Driver) Conflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
