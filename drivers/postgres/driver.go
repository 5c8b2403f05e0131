// Package postgres is the groundwork driver for PostgreSQL 11 and later,
// through pgx (github.com/jackc/pgx/v5/stdlib) and bun's pgdialect: the
// catalog in three queries, DDL, the server-stamped view fingerprint,
// insert-if-missing and upsert rendering, and the cross-process lock: a
// session advisory lock, or a lease row for connections through a
// transaction pooler (lockmode.go, lease.go).
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/internal/handle"
	"github.com/groundworkdb/groundwork/internal/lazyre"
	"github.com/groundworkdb/groundwork/internal/redact"
)

// Driver is the PostgreSQL dialect of groundwork. It works in the current
// schema (current_schema(), the first existing schema of search_path).
type Driver struct {
	handle.Handle
	lock     lockConfig // see lockmode.go
	cleanups *cleanups  // the connections of a pool Open opened (cleanup.go)
}

var (
	_ driver.Driver             = (*Driver)(nil)
	_ driver.DataSQL            = (*Driver)(nil)
	_ driver.StatsRefresher     = (*Driver)(nil)
	_ driver.ForeignKeyAdder    = (*Driver)(nil)
	_ driver.CapabilityReporter = (*Driver)(nil)
	_ driver.Placeholders       = (*Driver)(nil)
)

// ApplicationName is the application_name Open gives its connections when
// the URL sets none, so pg_stat_activity (and a waiting runner's lock
// error) shows who they are.
const ApplicationName = "groundwork"

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value DSN, as pgx reads them, PG* environment variables included)
// and checks that the server answers. Statements are sent in one round
// trip each, never prepared, so the driver also works behind PgBouncer in
// transaction mode (choose the lock that does too: WithLockMode). No
// error contains the password. A URL without TLS settings that names
// only loopback hosts connects with sslmode=allow instead of pgx's
// prefer (loopbacktls.go says why).
func Open(ctx context.Context, url string, opts ...Option) (*Driver, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// Not wrapped: pgx's error keeps the raw connection string in a field.
		return nil, fmt.Errorf("drivers/postgres: bad connection URL: %s: %w", scrub(err.Error(), url), model.ErrInvalid)
	}
	cfg = loopbackAllow(url, cfg, os.LookupEnv) // see loopbacktls.go
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = ApplicationName
	}
	lock := newLockConfig(opts)
	auto := lock.mode == LockAuto
	lock.resolve(cfg)
	var timeouts []string
	if lock.mode == LockSession {
		// Not through a transaction pooler (the lease mode's reason to
		// be): a SET there would reach whichever client gets the
		// connection next. Set them on the role there (ALTER ROLE … SET).
		timeouts = sessionTimeouts(cfg.RuntimeParams, lock.stepTimeout)
	}
	if err := lock.applySchema(cfg); err != nil {
		return nil, err
	}
	secrets := []string{cfg.Password}
	tracked := &cleanups{}
	sqldb := openDB(cfg, tracked)
	err = connectCheck(ctx, sqldb)
	if err != nil && len(timeouts) > 0 && refusedStartupParameter(err) {
		// PgBouncer (on a port the URL does not give away) refuses
		// startup parameters it does not know. Connect without the
		// timeouts; chosen automatically, the lock becomes the lease,
		// which a transaction pooler cannot share between clients.
		_ = sqldb.Close()
		for _, p := range timeouts {
			delete(cfg.RuntimeParams, p)
		}
		if auto {
			lock.mode, lock.why = LockLease, "auto: the server refused the startup parameter "+strings.Join(timeouts, ", ")+", as PgBouncer does"
		}
		sqldb = openDB(cfg, tracked)
		err = connectCheck(ctx, sqldb)
	}
	if err != nil {
		_ = sqldb.Close()
		// Not wrapped: a *pgconn.ConnectError carries the whole config.
		return nil, fmt.Errorf("drivers/postgres: connect to %s: %s", describe(cfg), scrub(err.Error(), url, secrets...))
	}
	d := New(bun.NewDB(sqldb, pgdialect.New()))
	d.lock = lock
	d.cleanups = tracked
	handle.Own(&d.Handle)
	if err := d.requireSchema(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the handle when Open opened it (see handle.Handle.Close),
// then waits, at most closeWait, for the connections pgx is still closing
// in the background (cleanups), so an exit right after does not cut a
// cancel request in half.
func (d *Driver) Close() error {
	err := d.Handle.Close()
	d.cleanups.wait(closeWait)
	return err
}

// connectCheck opens the pool's first connection, which proves the server
// answers and accepts the login, without PingContext's extra round trip:
// a connection whose start-up has just completed is known to be alive.
func connectCheck(ctx context.Context, db *sql.DB) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	return c.Close()
}

// connectedAtKey keys, in a new connection's pgconn CustomData, when its
// start-up completed, until the pool first hands the connection out again.
const connectedAtKey = "groundwork/drivers/postgres.connected_at"

// openDB is stdlib.OpenDB with one change to the liveness ping pgx's
// stdlib sends before it reuses a connection idle for more than a second:
// the idle time of a connection never reused yet counts from the end of
// its start-up. pgx counts it from the zero time, so the first query after
// connectCheck would cost a ping round trip on every start, on a
// connection that finished its handshake microseconds before. Every
// connection it makes is tracked until pgx has closed it (cleanups).
func openDB(cfg *pgx.ConnConfig, tracked *cleanups) *sql.DB {
	return stdlib.OpenDB(*cfg,
		stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
			tracked.add(c.PgConn())
			c.PgConn().CustomData()[connectedAtKey] = time.Now()
			return nil
		}),
		stdlib.OptionShouldPing(shouldPing))
}

// shouldPing is pgx's own rule (ping a connection idle for more than a
// second), the idle time of a first reuse counted from the connection's
// start-up (openDB).
func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	idle := p.IdleDuration
	data := p.Conn.PgConn().CustomData()
	if at, ok := data[connectedAtKey].(time.Time); ok {
		delete(data, connectedAtKey)
		idle = time.Since(at)
	}
	return idle > maxUnpingedIdle
}

// maxUnpingedIdle is pgx's default: a connection idle for longer is
// pinged before it is reused.
const maxUnpingedIdle = time.Second

// New wraps an existing bun handle on a PostgreSQL database. The handle
// should be opened through pgx's stdlib; the session advisory lock needs a
// pool of at least two connections (one holds the lock while the run
// goes on). LockAuto means LockSession here: there is no URL to look at.
func New(db *bun.DB, opts ...Option) *Driver {
	lock := newLockConfig(opts)
	lock.resolve(nil)
	lock.schema = "" // the caller's connections keep their search_path
	// A clone with the hook: the caller's handle is left as it was.
	return &Driver{Handle: handle.Borrow(db), lock: lock}
}

// Dialect implements driver.Driver.
func (d *Driver) Dialect() string { return "postgres" }

// Capabilities implements driver.CapabilityReporter: PostgreSQL's DDL is
// transactional.
func (d *Driver) Capabilities() driver.Capabilities {
	return driver.Capabilities{TransactionalDDL: true}
}

// Quote implements model.Quoter.
func (d *Driver) Quote(ident string) string { return sqlkit.QuoteIdent('"', ident) }

// Placeholder implements driver.Placeholders: $1, $2, …
func (d *Driver) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("host=%s port=%d user=%s database=%s", cfg.Host, cfg.Port, cfg.User, cfg.Database)
}

var (
	urlPassword = lazyre.New(`(?i)^[a-z][a-z0-9+.-]*://[^/?#@]*?:(.*)@`)
	kvPassword  = lazyre.New(`(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]*)`)
)

// scrub removes from msg every spelling of the password that connString
// (or the extra secrets) could contain: pgx's own redaction is best
// effort, and errors it wraps (url.Parse's) quote the raw string.
func scrub(msg, connString string, extra ...string) string {
	var secrets []string
	if m := urlPassword().FindStringSubmatch(connString); m != nil {
		secrets = append(secrets, m[1])
	}
	if u, err := url.Parse(connString); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	for _, m := range kvPassword().FindAllStringSubmatch(connString, -1) {
		secrets = append(secrets, m[1], strings.Trim(m[1], "'"))
	}
	return redact.String(msg, append(secrets, extra...), "xxxxx")
}

// Session timeouts of every connection Open makes, unless the URL sets
// its own (statement_timeout=…, lock_timeout=… or options=-c …): the
// server stops the work of a runner that was killed or timed out instead
// of running its statement on for minutes, and a DDL statement waiting
// for a table the application holds gives up instead of queueing the
// application's own queries behind it for long.
const (
	DefaultStatementTimeout = 5 * time.Minute
	DefaultLockTimeout      = 10 * time.Second
)

// WithStepTimeout bounds the server side of each statement by the
// runner's step timeout: statement_timeout is d, and lock_timeout d when
// that is shorter than DefaultLockTimeout. Zero (the default) means
// DefaultStatementTimeout and DefaultLockTimeout. Only Open sets them:
// New wraps a handle whose settings are the caller's. Nor are they set
// in LockLease mode, which is for transaction poolers.
func WithStepTimeout(d time.Duration) Option { return func(c *lockConfig) { c.stepTimeout = d } }

// sessionTimeouts adds the timeouts the URL does not set to params and
// returns the names it added.
func sessionTimeouts(params map[string]string, step time.Duration) []string {
	stmt, lock := DefaultStatementTimeout, DefaultLockTimeout
	if step > 0 {
		stmt, lock = step, min(step, DefaultLockTimeout)
	}
	var added []string
	for _, p := range []struct {
		name string
		d    time.Duration
	}{{"statement_timeout", stmt}, {"lock_timeout", lock}} {
		if params[p.name] != "" || strings.Contains(params["options"], p.name) {
			continue
		}
		params[p.name] = strconv.FormatInt(max(p.d.Milliseconds(), 1), 10)
		added = append(added, p.name)
	}
	return added
}

// refusedStartupParameter reports whether the server (a pooler, in
// practice) refused the connection for a startup parameter it does not
// know: SQLSTATE 08P01, "unsupported startup parameter".
func refusedStartupParameter(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "08P01" && strings.Contains(pg.Message, "startup parameter")
}

var _ driver.ConflictReporter = (*Driver)(nil)

// Conflict implements driver.ConflictReporter: a serialization failure
// (40001: a repeatable-read transaction met a concurrent update or
// delete, such as the host deleting a user a batch adds) or a deadlock
// (40P01).
func (d *Driver) Conflict(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}
