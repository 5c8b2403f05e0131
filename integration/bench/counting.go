package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counts are what a counted *sql.DB saw: every call that reaches the
// database (a query, an exec, a prepare, a begin, a commit, a rollback)
// is one round trip; connections opened are counted apart, because on
// PostgreSQL each costs a handshake of several round trips. The same
// wrapper serves every tool, so their figures compare.
type Counts struct {
	roundTrips atomic.Int64
	writes     atomic.Int64
	conns      atomic.Int64

	// slow keeps the slowest statements (until the driver returned), so
	// a miss can name the query that dominates.
	mu   sync.Mutex
	slow []QueryTime
	// phases counts the round trips by what they were for (see phaseOf).
	phases map[string]int64
}

// Phases of a run, as phaseOf tells them from the SQL.
const (
	PhaseLock    = "lock"
	PhaseCatalog = "catalog"
	PhaseHistory = "history"
	PhaseTx      = "begin/commit"
	PhaseSteps   = "steps"
)

// phaseOf tells what a statement was for from its text: the lock, the
// catalog read, the history row, or the steps' own reads and writes.
// It is a heuristic over groundwork's SQL, good enough to show where a
// warm start's round trips go.
func phaseOf(q string) string {
	u := strings.ToUpper(q)
	switch {
	case strings.Contains(u, "GROUNDWORK_RUNS"):
		return PhaseHistory
	case strings.Contains(u, "ADVISORY"), strings.Contains(u, "GET_LOCK"), strings.Contains(u, "RELEASE_LOCK"),
		strings.Contains(u, "IS_USED_LOCK"), strings.Contains(u, "GROUNDWORK_LOCK"):
		return PhaseLock
	case strings.Contains(u, "INFORMATION_SCHEMA"), strings.Contains(u, "PG_CATALOG"), strings.Contains(u, "PG_CLASS"),
		strings.Contains(u, "PG_NAMESPACE"), strings.Contains(u, "SQLITE_MASTER"), strings.Contains(u, "SQLITE_SCHEMA"),
		strings.Contains(u, "PRAGMA"), strings.Contains(u, "CURRENT_SCHEMA"), strings.Contains(u, "@@"),
		strings.Contains(u, "VERSION()"), strings.Contains(u, "SHOW "):
		return PhaseCatalog
	}
	return PhaseSteps
}

func (c *Counts) phase(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.phases == nil {
		c.phases = map[string]int64{}
	}
	c.phases[p]++
}

// Phases returns the round trips per phase since ResetSlowest.
func (c *Counts) Phases() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.phases))
	for k, v := range c.phases {
		out[k] = v
	}
	return out
}

// QueryTime is one statement and how long the driver took to answer it.
type QueryTime struct {
	Query string  `json:"query"`
	MS    float64 `json:"ms"`
}

// slowKept is how many of the slowest statements Counts keeps.
const slowKept = 3

func (c *Counts) timed(q string, start time.Time) {
	qt := QueryTime{Query: oneLine(q, 120), MS: ms(time.Since(start))}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slow = append(c.slow, qt)
	sort.Slice(c.slow, func(i, j int) bool { return c.slow[i].MS > c.slow[j].MS })
	if len(c.slow) > slowKept {
		c.slow = c.slow[:slowKept]
	}
}

// Slowest returns the slowest statements seen since Reset, slowest first.
func (c *Counts) Slowest() []QueryTime {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]QueryTime{}, c.slow...)
}

// ResetSlowest forgets the slowest statements and the phases seen so far.
func (c *Counts) ResetSlowest() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slow = nil
	c.phases = nil
}

func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}

// Snapshot is a copy of Counts at one moment.
type Snapshot struct {
	RoundTrips int64 `json:"round_trips"`
	// Writes are the statements that change the schema or rows (CREATE,
	// ALTER, DROP, INSERT, UPDATE, DELETE, …): a warm start should make none.
	Writes int64 `json:"writes"`
	Conns  int64 `json:"connections"`
	// Writes and Conns are -1 where the harness cannot see them (the
	// CLI, a child process).
}

// Load returns the counts so far.
func (c *Counts) Load() Snapshot {
	return Snapshot{RoundTrips: c.roundTrips.Load(), Writes: c.writes.Load(), Conns: c.conns.Load()}
}

// Sub returns the counts made since before.
func (s Snapshot) Sub(before Snapshot) Snapshot {
	return Snapshot{RoundTrips: s.RoundTrips - before.RoundTrips, Writes: s.Writes - before.Writes, Conns: s.Conns - before.Conns}
}

func (c *Counts) query(q string) {
	c.roundTrips.Add(1)
	c.phase(phaseOf(q))
	if isWrite(q) {
		c.writes.Add(1)
	}
}

// writeVerbs start the statements counted as writes.
var writeVerbs = []string{"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "COMMENT", "REPLACE", "TRUNCATE", "RENAME"}

func isWrite(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	for _, v := range writeVerbs {
		if len(q) >= len(v) && strings.EqualFold(q[:len(v)], v) {
			return true
		}
	}
	return false
}

// OpenCounted returns a *sql.DB on connector whose traffic is counted in c.
func OpenCounted(connector driver.Connector, c *Counts) *sql.DB {
	return sql.OpenDB(&countingConnector{inner: connector, c: c})
}

type countingConnector struct {
	inner driver.Connector
	c     *Counts
}

func (cc *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := cc.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cc.c.conns.Add(1)
	return &countingConn{inner: conn, c: cc.c}, nil
}

func (cc *countingConnector) Driver() driver.Driver { return cc.inner.Driver() }

// countingConn passes every call to the driver's connection, counting
// those that reach the database. Optional interfaces the driver lacks
// answer driver.ErrSkip, so database/sql falls back as it would.
type countingConn struct {
	inner driver.Conn
	c     *Counts
}

var (
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
)

func (cc *countingConn) Prepare(query string) (driver.Stmt, error) {
	return cc.PrepareContext(context.Background(), query)
}

func (cc *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	cc.c.roundTrips.Add(1)
	cc.c.phase(phaseOf(query))
	var st driver.Stmt
	var err error
	if p, ok := cc.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = cc.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, c: cc.c, query: query}, nil
}

func (cc *countingConn) Close() error { return cc.inner.Close() }

func (cc *countingConn) Begin() (driver.Tx, error) {
	return cc.BeginTx(context.Background(), driver.TxOptions{})
}

func (cc *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	cc.c.roundTrips.Add(1)
	cc.c.phase(PhaseTx)
	var tx driver.Tx
	var err error
	if b, ok := cc.inner.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses
		tx, err = cc.inner.Begin()
	}
	if err != nil {
		return nil, err
	}
	return &countingTx{inner: tx, c: cc.c}, nil
}

func (cc *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cc.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	cc.c.query(query)
	defer cc.c.timed(query, time.Now())
	return e.ExecContext(ctx, query, args)
}

func (cc *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cc.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	cc.c.query(query)
	defer cc.c.timed(query, time.Now())
	return q.QueryContext(ctx, query, args)
}

func (cc *countingConn) Ping(ctx context.Context) error {
	if p, ok := cc.inner.(driver.Pinger); ok {
		cc.c.roundTrips.Add(1)
		cc.c.phase("ping")
		return p.Ping(ctx)
	}
	return nil
}

func (cc *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := cc.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (cc *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countingConn) IsValid() bool {
	if v, ok := cc.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type countingTx struct {
	inner driver.Tx
	c     *Counts
}

func (t *countingTx) Commit() error {
	t.c.roundTrips.Add(1)
	t.c.phase(PhaseTx)
	return t.inner.Commit()
}

func (t *countingTx) Rollback() error {
	t.c.roundTrips.Add(1)
	t.c.phase(PhaseTx)
	return t.inner.Rollback()
}

// countingStmt counts each execution of a prepared statement.
type countingStmt struct {
	driver.Stmt
	c     *Counts
	query string
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.query(s.query)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	//lint:ignore SA1019 the fallback database/sql itself uses
	return s.Stmt.Exec(namedToValues(args))
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.query(s.query)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	//lint:ignore SA1019 the fallback database/sql itself uses
	return s.Stmt.Query(namedToValues(args))
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func namedToValues(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
