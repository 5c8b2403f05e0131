package postgres

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// TestBatchesUnderLease: a batched change under the lease lock fences
// every batch (first and last in its repeatable-read transaction), so the
// heartbeat's renewals never make a batch a serialization failure.
func TestBatchesUnderLease(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, newSchema(t), WithLockMode(LockLease), WithLeaseTTL(MinLeaseTTL))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, d, `INSERT INTO "user" (id, name, email, role, created_at) SELECT 'u-' || md5(g::text), 'U', 'u' || g || '@example.com', 'user', 1 FROM generate_series(1, 60000) g`)
	rep, err := core.NewRunner(d, mustRegistry(t, packtest.DevConfig())).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply under a lease: %v", err)
	}
	// The step's rows also count its watermark's (groundwork_member_proofs).
	var members int64
	if err := d.DB().DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM organization_members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if sr := rep.Step(orgaccess.MembersStepID); sr.Batches < 2 || sr.RowsAffected < 60000 || members != 60000 {
		t.Fatalf("members: %d batches, %d rows, %d members", sr.Batches, sr.RowsAffected, members)
	}
}
