package packtest

import (
	"context"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
)

// testHostColdTransactions: a cold apply of the whole pack on a real
// Open WebUI database shares its transactions where DDL is transactional
// (core/group.go): it takes coldBegins BEGINs, however many steps it
// applies (14 on every generation); a warm one takes none.
func testHostColdTransactions(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	tx := coretest.CountTransactions(d)
	// A budget no loaded machine reaches: the count is the grouping's,
	// not the clock's.
	rep, err := core.NewRunner(d, registry(t, DevConfig(), false), core.WithTransactionBudget(time.Hour)).Apply(context.Background())
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	applied := 0
	for _, s := range rep.Steps {
		if s.Status == core.StatusApplied {
			applied++
		}
	}
	t.Logf("%s %s: %d steps applied in %d transactions", d.Dialect(), gen, applied, tx.Begins())
	if want, ok := coldBegins(d); ok && tx.Begins() != want {
		t.Fatalf("cold apply of %d steps took %d BEGINs, want %d\n%s", applied, tx.Begins(), want, coretest.Dump(rep))
	}
	tx.Reset()
	if again := apply(t, d, DevConfig()); again.Changed || tx.Begins() != 0 {
		t.Fatalf("warm apply: changed %t, %d BEGINs, want none", again.Changed, tx.Begins())
	}
}

// coldBegins is the number of transactions of a cold apply of the pack
// where DDL is transactional: one for the schema and the data steps that
// read through it, then dev-members' one batch: the fixture's few users
// fit in one range, inserted and proven with the members watermark in one
// transaction. Where it is not (MySQL) only the batches begin one, and
// their number is the population's, so it is not asserted.
func coldBegins(d core.Driver) (int64, bool) {
	if cr, ok := d.(core.CapabilityReporter); ok && !cr.Capabilities().TransactionalDDL {
		return 0, false
	}
	return 2, true
}
