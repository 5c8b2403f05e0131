package packtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

func hostTablesRun(t *testing.T, d core.Driver, verify bool) (*core.Report, error) {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}}))
	if verify {
		return r.Verify(context.Background())
	}
	return r.Apply(context.Background())
}

// testDemoOwnTables: the demo step makes its tables in an empty database,
// finds nothing to do on its own tables (apply and verify), completes them
// when some are missing, and refuses tables it did not make, without
// touching them.
func testDemoOwnTables(t *testing.T, d core.Driver) {
	if rep, err := hostTablesRun(t, d, false); err != nil || !rep.Changed {
		t.Fatalf("first run: %v\n%s", err, coretest.Dump(rep))
	}
	for _, verify := range []bool{false, true} {
		if rep, err := hostTablesRun(t, d, verify); err != nil || rep.Changed || rep.Status != core.RunConverged {
			t.Fatalf("run on its own tables (verify %t): %v\n%s", verify, err, coretest.Dump(rep))
		}
	}
	exec(t, d, "DROP TABLE "+d.Quote("config"))
	if rep, err := hostTablesRun(t, d, false); err != nil || rep.Step(orgaccess.HostTablesID).Status != core.StatusApplied {
		t.Fatalf("a missing demo table not completed: %v\n%s", err, coretest.Dump(rep))
	}
	// A column the demo does not make: not its table.
	exec(t, d, "ALTER TABLE "+d.Quote("user")+" ADD COLUMN username VARCHAR(50)")
	rep, err := hostTablesRun(t, d, false)
	if !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "table user (columns username not of the demo)") {
		t.Fatalf("want a refusal naming the user table, got %v\n%s", err, coretest.Dump(rep))
	}
	exec(t, d, "DROP TABLE "+d.Quote("user"))
	exec(t, d, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
	if _, err := hostTablesRun(t, d, false); !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "table alembic_version") {
		t.Fatalf("want a refusal naming alembic_version, got %v", err)
	}
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	if cat.Tables["user"] != nil {
		t.Fatalf("the refused step created the user table")
	}
}
