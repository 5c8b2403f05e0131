package kit

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
)

// Harness is the target as the conformance, pack, property and rows
// suites take it: each test a fresh database (NewDatabase: dropped when the
// test passed, kept for a post-mortem when it failed), each Opener call a
// new driver on it with its own connections, closed when the test ends.
// It is the one way the suites get a database, on every target.
func (tg Target) Harness() coretest.Harness {
	return coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
		db := tg.NewDatabase(t)
		return func(t *testing.T) core.Driver { return db.Open(t) }
	})
}
