package usage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/usage"
)

func TestUsagePackConvergesAndReportsIntegerID(t *testing.T) {
	d, err := sqlite.Open(filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	// The original created this table with an integer id; it holds data.
	if _, err := d.DB().ExecContext(ctx, `CREATE TABLE client_daily_usage (id INTEGER PRIMARY KEY, client_org_id TEXT NOT NULL, usage_date DATE NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB().ExecContext(ctx, `INSERT INTO client_daily_usage VALUES (1, 'o', '2025-07-29', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	reg, err := core.NewRegistry(append(orgaccess.Steps(orgaccess.Config{}), usage.Steps()...)...)
	if err != nil {
		t.Fatal(err)
	}
	run := core.NewRunner(d, reg, core.WithSelection(core.Selection{Tags: []string{usage.Tag}}))
	rep, err := run.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != core.RunDrift {
		t.Fatalf("status %s, want drift for the integer id", rep.Status)
	}
	sr := rep.Step("table:client_daily_usage")
	if sr.Status != core.StatusDrift || !strings.Contains(sr.Drift[0].Detail, "column id") {
		t.Fatalf("integer id not reported: %+v", sr)
	}
	var n int
	if err := d.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM client_daily_usage").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the existing row is gone: %d %v", n, err)
	}
	cat, _ := d.Inspect(ctx, d.DB())
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
	if err != nil || rep.Changed {
		t.Fatalf("second run changed something: %v %+v", err, rep)
	}
}
