//go:build integration

package mariadb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/usage"
)

// TestUsagePack: the usage-tracking pack on MariaDB, over a daily-usage
// table the original made with an integer id: reported as drift, its row
// kept, every other table and index created, the second run a no-op.
func TestUsagePack(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	ctx := context.Background()
	mustExec(t, d, "CREATE TABLE client_daily_usage (id INTEGER PRIMARY KEY, client_org_id VARCHAR(255) NOT NULL, usage_date DATE NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)")
	mustExec(t, d, "INSERT INTO client_daily_usage VALUES (1, 'o', '2025-07-29', 1, 1)")
	reg, err := core.NewRegistry(append(orgaccess.Steps(orgaccess.Config{}), usage.Steps()...)...)
	if err != nil {
		t.Fatal(err)
	}
	run := core.NewRunner(d, reg, core.WithSelection(core.Selection{Tags: []string{usage.Tag}}))
	rep, err := run.Apply(ctx)
	if err != nil {
		t.Fatalf("apply: %v\n%+v", err, rep.Steps)
	}
	if rep.Status != core.RunDrift {
		t.Fatalf("status %s, want drift for the integer id", rep.Status)
	}
	if sr := rep.Step("table:client_daily_usage"); sr.Status != core.StatusDrift || !strings.Contains(sr.Drift[0].Detail, "column id") {
		t.Fatalf("integer id not reported: %+v", sr)
	}
	var n int
	if err := d.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM client_daily_usage").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the existing row is gone: %d %v", n, err)
	}
	cat := inspect(t, d)
	for _, tb := range usage.Tables() {
		if cat.Tables[tb.Name] == nil {
			t.Errorf("table %s missing", tb.Name)
		}
	}
	for _, ix := range usage.Indexes() {
		if cat.Indexes[ix.Name] == nil {
			t.Errorf("index %s missing", ix.Name)
		}
	}
	rep, err = run.Apply(ctx)
	if err != nil || rep.Changed || rep.Statements != 0 {
		t.Fatalf("second run changed something: %v %+v", err, rep.Steps)
	}
}
