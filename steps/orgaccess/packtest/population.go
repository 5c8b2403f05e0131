package packtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// bulkUsers is above the number of inserted members from which the dev
// population also refreshes the table's planner statistics.
const bulkUsers = 1100

// testLargePopulation: many users join in one statement, the members'
// statistics are refreshed in the same step (ANALYZE on every dialect,
// inside PostgreSQL's and SQLite's transaction), and the next run has
// nothing to do.
func testLargePopulation(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	apply(t, d, cfg)
	rows := make([]string, bulkUsers)
	for i := range rows {
		rows[i] = fmt.Sprintf("('bulk%04d', 'Bulk %d', 'bulk%d@example.com', 'user', 1)", i, i, i)
	}
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at) VALUES "+strings.Join(rows, ", "))

	rep := apply(t, d, cfg)
	sr := rep.Step(orgaccess.MembersStepID)
	if rep.Status != core.RunConverged || sr == nil || sr.Status != core.StatusApplied {
		t.Fatalf("apply after %d new users: %s", bulkUsers, dumpJSON(t, rep))
	}
	if len(sr.Changes) != 2 || !strings.Contains(sr.Changes[0], fmt.Sprint(bulkUsers)) || !strings.Contains(sr.Changes[1], "statistics") {
		t.Fatalf("want the members added and their statistics refreshed, got %q", sr.Changes)
	}
	if got := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)); got != bulkUsers+2 {
		t.Fatalf("%d members, want %d (the bulk users, alice and bob)", got, bulkUsers+2)
	}
	if rep := apply(t, d, cfg); rep.Changed || rep.Statements != 0 {
		t.Fatalf("second run: changed %t, %d statements", rep.Changed, rep.Statements)
	}
}
