// Package handle is what the three drivers share about their bun handle:
// each runs on a clone of the handle that counts queries, and closes it
// only when it opened it itself.
package handle

import (
	"github.com/groundworkdb/groundwork/driver"
	"github.com/uptrace/bun"
)

// Handle is a driver's database handle. Drivers embed it: DB and Close
// are then theirs (driver.Driver's DB, io.Closer's Close).
type Handle struct {
	db    *bun.DB
	owned bool // opened by the driver's Open, so Close closes it
}

// Borrow wraps a handle the caller keeps: a clone with the counting hook,
// so the caller's handle is left as it was, and Close leaves it open.
func Borrow(db *bun.DB) Handle {
	return Handle{db: db.WithQueryHook(driver.QueryCounter{})}
}

// Own marks h as opened by the driver (its Open), so Close closes it. A
// function, not a method: a method would be promoted to the drivers'
// exported API, where a caller could make Close close its own handle.
func Own(h *Handle) { h.owned = true }

// DB implements driver.Driver.
func (h *Handle) DB() *bun.DB { return h.db }

// Close closes the database handle when the driver's Open opened it. A
// handle given to the driver's New belongs to the caller, who closes it:
// Close leaves it open, so an application's own pool survives the driver
// that wrapped it.
func (h *Handle) Close() error {
	if !h.owned {
		return nil
	}
	return h.db.Close()
}
