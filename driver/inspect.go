package driver

import (
	"context"

	"github.com/groundworkdb/groundwork/model"
	"github.com/uptrace/bun"
)

// InspectReader is optional on a Driver: InspectAndRead reads the
// catalog of names as ScopedInspector.InspectNames does and runs each of
// reads on its own, all in one round trip, on db: the pool (*bun.DB) or
// one of its connections (bun.Conn, the lock's session), never a
// transaction. A read that fails (it names a
// table the guess had and the database has not) fails alone, with its
// error in its result, and leaves the catalog and the other reads
// intact. The reads' SQL uses the driver's placeholders and their
// arguments are what the database/sql driver takes. An error wrapping
// ErrUnsupported says nothing was sent (a handle the driver cannot
// pipeline on): the runner then reads the catalog and the reads apart,
// and counts no round trip for the attempt. The runner calls it outside
// any transaction, at most once per pass. Without it the catalog and
// the reads are two round trips.
type InspectReader interface {
	InspectAndRead(ctx context.Context, db bun.IDB, names []string, reads []Statement) (*model.Catalog, []ReadResult, error)
}

// ReadResult is the outcome of one read of InspectAndRead.
type ReadResult struct {
	// Row is the read's first row, as database/sql's driver returns
	// values (int64, float64, bool, []byte, string, time.Time or nil);
	// nil when it returned none.
	Row []any
	// Err is why the read failed; Row is then nil.
	Err error
}

// ScopedInspector is optional on a Driver: InspectNames reads the catalog
// as Inspect does, limited to names (see CatalogScoper for what that
// holds), in the same fixed number of queries whatever the number of
// objects in the schema. Names are compared as the dialect compares
// identifiers; a driver may return more than was asked, never less.
// Without it the runner calls Inspect.
type ScopedInspector interface {
	InspectNames(ctx context.Context, db bun.IDB, names []string) (*model.Catalog, error)
}

// MaxScopedNames is the most names a driver is asked to bind in one
// scoped read (the project's limit of bind parameters per statement). A
// run declaring more reads the whole schema instead.
const MaxScopedNames = 1000
