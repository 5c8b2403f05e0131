package core

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/uptrace/bun"
)

// rawDB is what *sql.DB, *sql.Tx and *sql.Conn share.
type rawDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Session is what a step sees during one phase: the driver, the handle
// to use (the step's transaction while it applies), the catalog snapshot
// and the run's settings.
type Session struct {
	Driver Driver
	// DB is the bun handle of this phase, for steps that use bun's query
	// builders. Prefer Exec/Query, which bind arguments natively.
	DB     bun.IDB
	Logger *slog.Logger
	// Environment is the run's environment ("development", "production"
	// or empty when unknown).
	Environment string

	raw rawDB
	// conn is the connection every statement of the phase runs on
	// outside a transaction (the lock's session, withConn); nil: the
	// pool's.
	conn    *bun.Conn
	catalog *catalogCache
	memo    map[any]any // shared by the copies withTx makes
	tel     *telemetry  // the run's, nil outside a run (telemetry.go)
	// proven holds the ids of the steps whose batched changes proved
	// themselves this run (see Batch.Proof).
	proven map[string]bool
	// reads holds the pass's prefetched reads (read.go); nil outside a
	// run: ReadRow then always queries.
	reads *readCache
}

type catalogCache struct {
	cat   *Catalog
	dirty bool
	reads int
	// names scopes the reads (see CatalogScoper); nil reads everything.
	names []string
}

// Catalog returns the snapshot, re-inspecting only after a step changed
// the schema, so a run with nothing to do inspects once.
func (s *Session) Catalog(ctx context.Context) (*Catalog, error) {
	if s.catalog.cat == nil || s.catalog.dirty {
		ictx, inspectDone := s.tel.phase(ctx, phaseInspect) // telemetry
		// s.DB: a check inside the run's shared transaction sees the
		// objects the steps before it created there (group.go).
		cat, err := Inspect(ictx, s.Driver, s.DB, s.catalog.names)
		inspectDone(err) // telemetry
		if err != nil {
			return nil, fmt.Errorf("core: inspect: %w", err)
		}
		s.catalog.cat, s.catalog.dirty = cat, false
		s.catalog.reads++
	}
	return s.catalog.cat, nil
}

// Data returns the driver's data SQL renderer or ErrUnsupported.
func (s *Session) Data() (DataSQL, error) {
	d, ok := s.Driver.(DataSQL)
	if !ok {
		return nil, fmt.Errorf("core: %s driver cannot render data statements: %w", s.Driver.Dialect(), ErrUnsupported)
	}
	return d, nil
}

// Quote quotes an identifier for the session's dialect.
func (s *Session) Quote(ident string) string { return s.Driver.Quote(ident) }

// Exec runs a statement with its arguments bound natively.
func (s *Session) Exec(ctx context.Context, st Statement) (sql.Result, error) {
	driver.CountRoundTrip(ctx)
	ctx, done := s.tel.statement(ctx, s.Driver, st.SQL, st.Args) // telemetry
	res, err := s.raw.ExecContext(ctx, Rebind(s.Driver, st.SQL), execArgs(st.Args)...)
	done(err) // telemetry
	return res, err
}

// Query runs a query with its arguments bound natively.
func (s *Session) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	driver.CountRoundTrip(ctx)
	ctx, done := s.tel.statement(ctx, s.Driver, query, args) // telemetry
	rows, err := s.raw.QueryContext(ctx, Rebind(s.Driver, query), execArgs(args)...)
	done(err) // telemetry
	return rows, err
}

// QueryRow runs a query expected to return one row.
func (s *Session) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	driver.CountRoundTrip(ctx)
	ctx, done := s.tel.statement(ctx, s.Driver, query, args) // telemetry
	defer done(nil)                                          // telemetry: its error shows in Scan
	return s.raw.QueryRowContext(ctx, Rebind(s.Driver, query), execArgs(args)...)
}

// Count runs a query returning one integer.
func (s *Session) Count(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := s.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

func (s *Session) withTx(tx bun.Tx) *Session {
	c := *s
	c.DB, c.raw = tx, tx.Tx
	return &c
}

// withConn is s on one connection (the lock's session, fence.go): its
// statements, and the transactions begun from it, run there.
func (s *Session) withConn(conn bun.Conn) *Session {
	c := *s
	c.DB, c.raw, c.conn = conn, conn.Conn, &conn
	return &c
}

// outside puts s back on the handle of its phase outside any
// transaction: its connection (withConn), else the pool.
func (s *Session) outside() {
	if s.conn != nil {
		s.DB, s.raw = *s.conn, s.conn.Conn
		return
	}
	s.DB, s.raw = s.Driver.DB(), s.Driver.DB().DB
}

// Memo returns what compute returns for key, computing it once per run,
// so steps that read the same host data (a configuration row, say) share
// one round trip. An error is returned, not remembered. Use a key of an
// unexported type of your package, as with context values. Steps run one
// after another, so Memo is not safe for concurrent use.
func (s *Session) Memo(key any, compute func() (any, error)) (any, error) {
	if v, ok := s.memo[key]; ok {
		return v, nil
	}
	v, err := compute()
	if err == nil && s.memo != nil {
		s.memo[key] = v
	}
	return v, err
}

// Refresh makes the next Catalog call inspect again, for a step that
// waits for objects someone else creates.
// It also drops the prefetched reads (see Reader).
func (s *Session) Refresh() {
	s.catalog.dirty = true
	s.reads.invalidate()
}
