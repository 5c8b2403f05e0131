// Package pack_test proves the example pack file converges: loaded by
// steps/packfile, applied twice (the second run changes nothing) and
// verified, on SQLite; integration/integrators runs it on PostgreSQL and
// MariaDB.
package pack_test

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/packfile"
)

func TestExamplePackConverges(t *testing.T) {
	pk, err := packfile.Load("tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := core.NewRegistry(pk.Steps...)
	if err != nil {
		t.Fatal(err)
	}
	d := sqlitetest.Open(t)
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		rep, err := core.NewRunner(d, reg).Apply(ctx)
		if err != nil || rep.Status != core.RunConverged || rep.Changed != want {
			t.Fatalf("apply %d: %v, status %s, changed %t\n%s", i+1, err, rep.Status, rep.Changed, coretest.Dump(rep))
		}
	}
	if rep, err := core.NewRunner(d, reg).Verify(ctx); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
	var plan string
	if err := d.DB().QueryRowContext(ctx, "SELECT plan FROM tenant_settings WHERE tenant_id = 'default'").Scan(&plan); err != nil || plan != "pro" {
		t.Fatalf("seed row: %q, %v", plan, err)
	}
}
