// Package sqlite is the groundwork driver for SQLite, pure Go
// (modernc.org/sqlite) so the binary needs no cgo.
package sqlite

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/internal/handle"
)

// Driver is the SQLite dialect of groundwork.
type Driver struct {
	handle.Handle
	path string // the database file; "" for in-memory databases
	busy time.Duration
}

var (
	_ driver.Driver             = (*Driver)(nil)
	_ driver.DataSQL            = (*Driver)(nil)
	_ driver.StatsRefresher     = (*Driver)(nil)
	_ driver.CapabilityReporter = (*Driver)(nil)
	_ driver.ErrorExplainer     = (*Driver)(nil)
)

// BusyTimeoutMS is the default of WithBusyTimeout, in milliseconds.
const BusyTimeoutMS = 10000

// Option configures Open.
type Option func(*Driver)

// WithBusyTimeout sets how long a statement waits for the database
// file's write lock while another connection holds it (the host
// application's, say) before it fails with a *driver.LockError wrapping
// driver.ErrLockTimeout (default BusyTimeoutMS). The CLI passes its
// --lock-timeout, so one setting bounds every wait of a run.
func WithBusyTimeout(d time.Duration) Option {
	return func(dr *Driver) {
		if d > 0 {
			dr.busy = d
		}
	}
}

// Open opens the SQLite database file at path (created if missing) with
// foreign keys on, a busy timeout and immediate write transactions, so
// concurrent writers queue instead of failing half-way.
func Open(path string, opts ...Option) (*Driver, error) {
	if path == "" {
		return nil, fmt.Errorf("drivers/sqlite: empty database path: %w", model.ErrInvalid)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath()
	if strings.Contains(path, "?") || path == ":memory:" {
		return nil, fmt.Errorf("drivers/sqlite: %q: give a file path (in-memory databases cannot be shared between connections): %w", path, model.ErrInvalid)
	}
	cfg := &Driver{busy: BusyTimeoutMS * time.Millisecond}
	for _, o := range opts {
		o(cfg)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", max(cfg.busy.Milliseconds(), 1)))
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: open %s: %w", path, err)
	}
	d := New(bun.NewDB(sqldb, sqlitedialect.New()), path)
	handle.Own(&d.Handle)
	d.busy = cfg.busy
	return d, nil
}

// New wraps an existing bun handle on an SQLite database whose file is
// path; path names the lock file, so give the same path every process uses.
func New(db *bun.DB, path string) *Driver {
	// A clone with the hook: the caller's handle is left as it was.
	return &Driver{Handle: handle.Borrow(db), path: path, busy: BusyTimeoutMS * time.Millisecond}
}

// Dialect implements driver.Driver.
func (d *Driver) Dialect() string { return "sqlite" }

// Path is the database file.
func (d *Driver) Path() string { return d.path }

// Capabilities implements driver.CapabilityReporter: SQLite's DDL is
// transactional.
func (d *Driver) Capabilities() driver.Capabilities {
	return driver.Capabilities{TransactionalDDL: true}
}

// Quote implements model.Quoter.
func (d *Driver) Quote(ident string) string { return sqlkit.QuoteIdent('"', ident) }
