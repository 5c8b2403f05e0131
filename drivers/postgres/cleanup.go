package postgres

import (
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// closeWait bounds how long Close waits for connections pgx is still
// closing in the background (cleanups). A cancel request on a working
// network takes a round trip or two; the bound only matters when the
// server or the pooler does not answer, and keeps a process stopped by a
// signal well within its exit budget.
const closeWait = time.Second

// cleanups tracks the pool's connections until pgx has finished closing
// each. A statement cut short by its context (a step timeout, SIGTERM)
// breaks its connection off at once, and pgx closes it in the background:
// it first opens a new connection to send the server a cancel request,
// then says goodbye. A process that exits right after its last Close
// would cut that cancel request in half, leaving the query running on the
// server until it notices, and PgBouncer 1.18 (Debian 12's) exits on a
// cancel client that disconnects before the server's cancel is sent
// (pgbouncer issue 801, fixed in later releases). Close waits for them.
type cleanups struct {
	mu    sync.Mutex
	conns map[*pgconn.PgConn]struct{}
}

// add tracks c, and forgets the connections whose clean-up is done, so
// the set stays the size of the pool.
func (t *cleanups) add(c *pgconn.PgConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns == nil {
		t.conns = map[*pgconn.PgConn]struct{}{}
	}
	for old := range t.conns {
		select {
		case <-old.CleanupDone():
			delete(t.conns, old)
		default:
		}
	}
	t.conns[c] = struct{}{}
}

// wait waits, at most bound in all, until every tracked connection is
// closed; the pool must be closed first, or its idle connections would
// use up the bound. It reports whether all were.
func (t *cleanups) wait(bound time.Duration) bool {
	if t == nil {
		return true
	}
	t.mu.Lock()
	pending := make([]*pgconn.PgConn, 0, len(t.conns))
	for c := range t.conns {
		pending = append(pending, c)
	}
	t.mu.Unlock()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for _, c := range pending {
		select {
		case <-c.CleanupDone():
		case <-timer.C:
			return false
		}
	}
	return true
}
