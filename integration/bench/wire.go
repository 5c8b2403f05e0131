package bench

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// Extra keys of a library row's wire count (see wireTrips).
const (
	extraWireTrips = "wire_round_trips"
	extraWireConns = "wire_connections"
)

// wireTrips runs the pack once in mode on db as a user's program does: on
// a plain connection of the dialect's driver, not the counting wrapper
// (which hides pgx's connection, so the PostgreSQL driver could not
// pipeline its reads through it), reached through a loopback proxy that
// adds no delay and counts the turns of the conversation. What it returns
// is what a remote server would charge after connecting: the turns and
// the connections opened during the run. Dialects without a server have
// no wire: ok is false.
func (e *env) wireTrips(ctx context.Context, db *Database, cfg orgaccess.Config, mode string) (trips, conns int64, ok bool, err error) {
	nw, isNet := e.d.(networked)
	if !isNet {
		return 0, 0, false, nil
	}
	err = withProxy(ctx, nw.ServerAddr(), 0, func(p *Proxy) error {
		via, err := nw.Via(db, p.Addr())
		if err != nil {
			return err
		}
		connector, err := e.d.Connector(via)
		if err != nil {
			return err
		}
		sqldb := sql.OpenDB(connector)
		defer func() { _ = sqldb.Close() }()
		// Twice: the first connects; the second is the pool's first reuse
		// of the connection, where pgx's stdlib checks it with a ping of
		// its own (as it does after a second idle). Both are connection
		// upkeep, paid before any tool's first statement; what follows
		// within the second is the run alone.
		for range 2 {
			if err := sqldb.PingContext(ctx); err != nil {
				return fmt.Errorf("bench: connect to %s through the proxy: %w", db.Name, err)
			}
		}
		c := &conn{db: sqldb, gw: e.d.Groundwork(sqldb, via), counts: &Counts{}}
		before := p.Counts()
		if mode == core.ModeVerify {
			_, err = c.verify(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
		} else {
			_, err = c.apply(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
		}
		after := p.Counts()
		trips, conns = after.Turns-before.Turns, after.Conns-before.Conns
		return err
	})
	return trips, conns, err == nil, err
}

// countOnTheWire adds the wire count of the library's apply and verify to
// their W1 rows (db converged). The rows are found in e.res, not taken
// from measure: its pointers go stale when a later add grows the slice.
func (e *env) countOnTheWire(ctx context.Context, db *Database, cfg orgaccess.Config) error {
	for i := range e.res.Rows {
		r := &e.res.Rows[i]
		if r.Workload != W1 || r.Dialect != e.d.Name() {
			continue
		}
		mode := ""
		switch r.Tool {
		case ToolLib:
			mode = core.ModeApply
		case ToolLibVerify:
			mode = core.ModeVerify
		default:
			continue
		}
		trips, conns, ok, err := e.wireTrips(ctx, db, cfg, mode)
		if err != nil {
			return fmt.Errorf("%s on the wire: %w", r.Tool, err)
		}
		if !ok {
			continue
		}
		if r.Extra == nil {
			r.Extra = map[string]float64{}
		}
		r.Extra[extraWireTrips], r.Extra[extraWireConns] = float64(trips), float64(conns)
	}
	return nil
}
