package orgaccess_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/hostsafetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// planUsers is the population of TestConvergedReadsBoundedPostgres: big
// enough that a whole-table read stands out from a bounded one (the view
// proofs' sample reads 32 members; the watermark looks up the pending
// users), small enough to converge in a second.
const planUsers = 20000

// TestConvergedReadsBoundedPostgres: of every read the pack declares for
// a converged start, only the watermark's two counts may read a whole
// table of the host's users or of the members; every other read is
// bounded by what it proves (a sample, the recorded pending users),
// before ANALYZE and after it; and none is a parallel query, even when
// starting workers is free. Random user ids, 2% of them pending, as
// where PostgreSQL with statistics once turned the still-ineligible join
// into a hash join over every user.
func TestConvergedReadsBoundedPostgres(t *testing.T) {
	ctx := context.Background()
	d, host := pgHost(t, openwebuitest.V0_10_2)
	cfg := hostsafetest.Config()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO "user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at)
SELECT md5(g::text), 'U', 'u' || g || '@example.com', CASE WHEN g %% 50 = 0 THEN 'pending' ELSE 'user' END, '', 1, 1, 1 FROM generate_series(1, %d) g`, planUsers),
	} {
		if _, err := host.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if first := hostsafetest.Apply(t, d, cfg); !first.Changed {
		t.Fatal("the first apply changed nothing")
	}
	if rep := hostsafetest.Apply(t, d, cfg); rep.Changed {
		t.Fatal("the second apply changed something")
	}
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T) {
		t.Helper()
		counted := 0
		for _, st := range orgaccess.Steps(cfg) {
			reads, err := core.DeclaredReads(ctx, d, cat, st)
			if err != nil {
				t.Fatalf("%s: %v", st.Info().ID, err)
			}
			for _, r := range reads {
				rows := scannedRows(t, host, core.Rebind(d, "EXPLAIN (ANALYZE, FORMAT JSON) "+r.SQL()), r.Args)
				whole := rows["user"] >= planUsers || rows[orgaccess.MembersTable] >= planUsers/2
				count := r.SQL() == `SELECT COUNT(*) FROM (SELECT 1 FROM "user" OFFSET 0) w` ||
					r.SQL() == `SELECT COUNT(*) FROM (SELECT 1 FROM "`+orgaccess.MembersTable+`" OFFSET 0) w`
				if rows[gatherNode] > 0 {
					t.Errorf("%s: %s plans a parallel query", st.Info().ID, r.SQL())
				}
				switch {
				case count:
					counted++
				case whole:
					t.Errorf("%s: %s reads %v rows", st.Info().ID, r.SQL(), rows)
				}
			}
		}
		if counted != 2 {
			t.Errorf("the watermark's two counts: %d declared", counted)
		}
	}
	t.Run("no statistics", check)
	if _, err := host.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Run("analyzed", check)
	// A parallel plan for free: the bare counts were planned as parallel
	// scans with these (and from about 200,000 users without them).
	for _, q := range []string{`SET parallel_setup_cost = 0`, `SET min_parallel_table_scan_size = 0`, `SET min_parallel_index_scan_size = 0`} {
		if _, err := host.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("parallel setup free", check)
}

// gatherNode is the key scannedRows counts Gather nodes under.
const gatherNode = " gather"

// scannedRows runs an EXPLAIN ANALYZE and sums, per table, the rows its
// scan nodes read (returned or filtered out) over all their loops, and
// counts its Gather nodes under gatherNode.
func scannedRows(t *testing.T, db *sql.DB, query string, args []any) map[string]float64 {
	t.Helper()
	var out string
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil {
		t.Fatal(err)
	}
	rows := map[string]float64{}
	var walk func(n planNode)
	walk = func(n planNode) {
		if strings.HasPrefix(n.NodeType, "Gather") {
			rows[gatherNode]++
		}
		if n.Relation != "" && strings.Contains(n.NodeType, "Scan") {
			rows[n.Relation] += (n.ActualRows + n.RemovedByFilter) * n.ActualLoops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return rows
}

type planNode struct {
	NodeType    string  `json:"Node Type"`
	Relation    string  `json:"Relation Name"`
	ActualRows  float64 `json:"Actual Rows"`
	ActualLoops float64 `json:"Actual Loops"`
	// RemovedByFilter are rows the scan read and dropped (per loop).
	RemovedByFilter float64    `json:"Rows Removed by Filter"`
	Plans           []planNode `json:"Plans"`
}
