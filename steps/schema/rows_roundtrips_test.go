package schema_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/schema"
	"github.com/groundworkdb/groundwork/steps/schema/rowstest"
)

// TestRowsRoundTrips: on a run with nothing to do, a Rows step of 250
// rows (one lookup batch) costs one query (two in sync-owned mode), and
// writes nothing; a first run writes them in one statement (plus one to
// record ownership).
func TestRowsRoundTrips(t *testing.T) {
	rows := make([]schema.Row, 250)
	for i := range rows {
		rows[i] = schema.Row{"id": i, "tenant_id": "tenant-" + strconv.Itoa(i), "plan": "free", "seats": i}
	}
	for mode, wantQueries := range map[schema.RowMode]int64{schema.InsertMissing: 1, schema.Upsert: 1, schema.SyncOwned: 2} {
		t.Run(string(mode), func(t *testing.T) {
			d := sqlitetest.Open(t)
			table := schema.Table(rowstest.Table())
			step := schema.Rows("tenant_settings", []string{"tenant_id"}, rows, schema.Mode(mode),
				schema.InsertOnly("created_at", "updated_at"), schema.After(schema.TableID("tenant_settings")))
			first := rowstest.Apply(t, d, table, step)
			wantStatements := 1
			if mode == schema.SyncOwned {
				wantStatements = 2
			}
			if st := first.Step(step.Info().ID); st == nil || len(st.Changes) == 0 {
				t.Fatalf("first run: rows step %+v", st)
			}
			statements := 0
			for _, q := range first.Step(step.Info().ID).SQL {
				if !strings.HasPrefix(q, "CREATE") {
					statements++
				}
			}
			if statements != wantStatements {
				t.Fatalf("first run: %d data statements, want %d\n%v", statements, wantStatements, first.Step(step.Info().ID).SQL)
			}
			base := rowstest.Apply(t, d, table)
			again := rowstest.Apply(t, d, table, step)
			if again.Changed || again.Statements != 0 {
				t.Fatalf("second run: changed %t, %d statements", again.Changed, again.Statements)
			}
			if got := again.Queries - base.Queries; got != wantQueries {
				t.Fatalf("second run: the rows step cost %d queries, want %d", got, wantQueries)
			}
		})
	}
}
