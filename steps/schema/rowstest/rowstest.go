// Package rowstest proves the Rows step of steps/schema on a dialect, in
// every mode: a second run is a no-op, an administrator's change survives
// insert-missing, upsert rewrites only what differs, and sync-owned
// deletes only the rows it inserted itself. SQLite runs it in
// `go test ./steps/schema/...`, PostgreSQL and MariaDB in
// integration/integrators.
package rowstest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Table is the table the tests seed: id primary key, tenant_id unique
// (the key rows are looked up by), a plan, a limit and the timestamps.
func Table() core.Table {
	return core.Table{
		Name: "tenant_settings",
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "tenant_id", Type: core.Text, NotNull: true},
			{Name: "plan", Type: core.Text, NotNull: true},
			{Name: "seats", Type: core.Integer},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
			{Name: "updated_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"tenant_id"}}},
	}
}

func steps(mode schema.RowMode, rows ...schema.Row) []core.Step {
	return []core.Step{
		schema.Table(Table()),
		schema.Rows("tenant_settings", []string{"tenant_id"}, rows, schema.Mode(mode),
			schema.Touch("updated_at"), schema.InsertOnly("created_at"), schema.After(schema.TableID("tenant_settings"))),
	}
}

// Run runs every test on fresh databases of h.
func Run(t *testing.T, h coretest.Harness) {
	for _, mode := range []schema.RowMode{schema.InsertMissing, schema.Upsert, schema.SyncOwned} {
		t.Run(string(mode)+" converges", func(t *testing.T) { testConverges(t, h.NewDatabase(t)(t), mode) })
	}
	t.Run("insert-missing keeps an admin's change", func(t *testing.T) { testKeeps(t, h.NewDatabase(t)(t)) })
	t.Run("upsert rewrites only what differs", func(t *testing.T) { testUpsert(t, h.NewDatabase(t)(t)) })
	t.Run("sync-owned never touches others' rows", func(t *testing.T) { testSyncOwned(t, h.NewDatabase(t)(t)) })
	t.Run("many rows, in batches", func(t *testing.T) { testMany(t, h.NewDatabase(t)(t)) })
	t.Run("a row blocked on another unique is drift, never written", func(t *testing.T) { testBlocked(t, h.NewDatabase(t)(t)) })
}

func row(id, tenant, plan string, seats any) schema.Row {
	return schema.Row{"id": id, "tenant_id": tenant, "plan": plan, "seats": seats}
}

// Apply applies steps and fails the test on an error or a run that did
// not converge; it returns the report.
func Apply(t *testing.T, d core.Driver, steps ...core.Step) *core.Report {
	t.Helper()
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	rep, err := core.NewRunner(d, reg).Apply(context.Background())
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v (status %s)\n%s", err, rep.Status, coretest.Dump(rep))
	}
	return rep
}

func stepStatus(t *testing.T, rep *core.Report) string {
	t.Helper()
	st := rep.Step(schema.RowsID("tenant_settings"))
	if st == nil {
		t.Fatalf("no rows step in the report\n%s", coretest.Dump(rep))
	}
	return st.Status
}

func testConverges(t *testing.T, d core.Driver, mode schema.RowMode) {
	s := steps(mode, row("t1", "acme", "free", 3), row("t2", "globex", "pro", nil))
	if got := stepStatus(t, Apply(t, d, s...)); got != core.StatusApplied {
		t.Fatalf("first run: rows step %s, want applied", got)
	}
	rep := Apply(t, d, s...)
	if rep.Changed || stepStatus(t, rep) != core.StatusOK {
		t.Fatalf("second run changed something (rows step %s)\n%s", stepStatus(t, rep), coretest.Dump(rep))
	}
	if got := Dump(t, d); got != "acme=free/3 globex=pro/NULL" {
		t.Fatalf("rows: %s", got)
	}
}

func testKeeps(t *testing.T, d core.Driver) {
	s := steps(schema.InsertMissing, row("t1", "acme", "free", 3))
	Apply(t, d, s...)
	// An administrator upgrades the tenant and gives the row another id:
	// the step looks it up by tenant_id, so it is still found.
	exec(t, d, "UPDATE tenant_settings SET plan = 'enterprise', id = 'admin-id' WHERE tenant_id = 'acme'")
	rep := Apply(t, d, s...)
	if rep.Changed {
		t.Fatalf("insert-missing rewrote an admin's change\n%s", coretest.Dump(rep))
	}
	if got := Dump(t, d); got != "acme=enterprise/3" {
		t.Fatalf("rows: %s", got)
	}
}

func testUpsert(t *testing.T, d core.Driver) {
	Apply(t, d, steps(schema.Upsert, row("t1", "acme", "free", 3), row("t2", "globex", "pro", 5))...)
	exec(t, d, "UPDATE tenant_settings SET updated_at = 7 WHERE tenant_id = 'globex'")
	exec(t, d, "UPDATE tenant_settings SET plan = 'hacked', updated_at = 7 WHERE tenant_id = 'acme'")
	s := steps(schema.Upsert, row("t1", "acme", "free", 3), row("t2", "globex", "pro", 5))
	rep := Apply(t, d, s...)
	if !rep.Changed {
		t.Fatal("upsert did not restore a changed row")
	}
	if got := Dump(t, d); got != "acme=free/3 globex=pro/5" {
		t.Fatalf("rows: %s", got)
	}
	// The unchanged row kept its updated_at; the restored one got a new one.
	if n := count(t, d, "SELECT COUNT(*) FROM tenant_settings WHERE updated_at = 7"); n != 1 {
		t.Fatalf("%d rows have the old updated_at, want 1 (the unchanged row)", n)
	}
	if rep := Apply(t, d, s...); rep.Changed {
		t.Fatalf("second upsert changed something\n%s", coretest.Dump(rep))
	}
}

func testSyncOwned(t *testing.T, d core.Driver) {
	Apply(t, d, schema.Table(Table()))
	// A row the host (or an admin) wrote before the step ever ran, which
	// the step declares too: it is not the step's, so never deleted.
	exec(t, d, "INSERT INTO tenant_settings (id, tenant_id, plan, seats, created_at, updated_at) VALUES ('h1', 'host', 'free', 1, 1, 1)")
	exec(t, d, "INSERT INTO tenant_settings (id, tenant_id, plan, seats, created_at, updated_at) VALUES ('o1', 'other', 'free', 1, 1, 1)")
	Apply(t, d, steps(schema.SyncOwned, row("t1", "acme", "free", 3), row("t2", "globex", "pro", 5), row("h1", "host", "pro", 2))...)
	if got := Dump(t, d); got != "acme=free/3 globex=pro/5 host=pro/2 other=free/1" {
		t.Fatalf("rows after the first run: %s", got)
	}
	// Declare only acme: globex (the step's own) goes; host, which the
	// step updated but did not insert, and other stay.
	s := steps(schema.SyncOwned, row("t1", "acme", "free", 3))
	rep := Apply(t, d, s...)
	if !rep.Changed {
		t.Fatal("sync-owned removed nothing")
	}
	if got := Dump(t, d); got != "acme=free/3 host=pro/2 other=free/1" {
		t.Fatalf("rows after dropping globex and host: %s", got)
	}
	if rep := Apply(t, d, s...); rep.Changed {
		t.Fatalf("second sync changed something\n%s", coretest.Dump(rep))
	}
	// Declaring nothing removes the last row the step owns, and only it.
	Apply(t, d, steps(schema.SyncOwned)...)
	if got := Dump(t, d); got != "host=pro/2 other=free/1" {
		t.Fatalf("rows after declaring none: %s", got)
	}
}

func testBlocked(t *testing.T, d core.Driver) {
	Apply(t, d, schema.Table(Table()))
	// Someone holds the declared id under another tenant: the insert
	// would skip the row every run, so the step says so instead.
	exec(t, d, "INSERT INTO tenant_settings (id, tenant_id, plan, created_at, updated_at) VALUES ('t1', 'renamed', 'free', 1, 1)")
	reg, err := core.NewRegistry(steps(schema.InsertMissing, row("t1", "acme", "free", 3))...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	if rep.Status != core.RunDrift || !strings.Contains(coretest.Dump(rep), "(id)") {
		t.Fatalf("status %s, want drift naming (id)\n%s", rep.Status, coretest.Dump(rep))
	}
	// An upsert whose row would take another row's id: on MySQL ON
	// DUPLICATE KEY would update that other row. Drift, nothing written.
	exec(t, d, "INSERT INTO tenant_settings (id, tenant_id, plan, created_at, updated_at) VALUES ('t2', 'acme', 'free', 1, 1)")
	reg, err = core.NewRegistry(steps(schema.Upsert, row("t1", "acme", "pro", 9))...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = core.NewRunner(d, reg).Apply(context.Background())
	if err != nil || rep.Status != core.RunDrift || rep.Changed {
		t.Fatalf("upsert onto another row's id: %v, status %s, changed %t\n%s", err, rep.Status, rep.Changed, coretest.Dump(rep))
	}
	if got := Dump(t, d); got != "acme=free/NULL renamed=free/NULL" {
		t.Fatalf("rows: %s", got)
	}
}

// testMany declares more rows than one statement binds (6,000 rows of 6
// columns, 36,000 parameters to insert them): the step splits them into
// batches, and a second run is still a no-op.
func testMany(t *testing.T, d core.Driver) {
	many := func(seats int) []schema.Row {
		rows := make([]schema.Row, 6000)
		for i := range rows {
			rows[i] = row("id-"+strconv.Itoa(i), "tenant-"+strconv.Itoa(i), "free", seats)
		}
		return rows
	}
	Apply(t, d, steps(schema.SyncOwned, many(1)...)...)
	if n := count(t, d, "SELECT COUNT(*) FROM tenant_settings WHERE seats = 1"); n != 6000 {
		t.Fatalf("%d rows, want 6000", n)
	}
	if rep := Apply(t, d, steps(schema.SyncOwned, many(1)...)...); rep.Changed {
		t.Fatalf("second run changed something\n%s", coretest.Dump(rep))
	}
	Apply(t, d, steps(schema.SyncOwned, many(2)[:3500]...)...)
	if n := count(t, d, "SELECT COUNT(*) FROM tenant_settings WHERE seats = 2"); n != 3500 {
		t.Fatalf("%d rows updated, want 3500", n)
	}
	if n := count(t, d, "SELECT COUNT(*) FROM tenant_settings"); n != 3500 {
		t.Fatalf("%d rows left, want 3500 (2500 owned rows no longer declared removed)", n)
	}
}

// Dump lists the rows of tenant_settings as "tenant=plan/seats", sorted.
func Dump(t *testing.T, d core.Driver) string {
	t.Helper()
	rows, err := d.DB().DB.QueryContext(context.Background(), "SELECT tenant_id, plan, seats FROM tenant_settings ORDER BY tenant_id")
	if err != nil {
		t.Fatalf("read rows: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tenant, plan string
		var seats *int64
		if err := rows.Scan(&tenant, &plan, &seats); err != nil {
			t.Fatal(err)
		}
		s := "NULL"
		if seats != nil {
			s = strconv.FormatInt(*seats, 10)
		}
		out = append(out, tenant+"="+plan+"/"+s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func exec(t *testing.T, d core.Driver, q string) {
	t.Helper()
	if _, err := d.DB().DB.ExecContext(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, d core.Driver, q string) int64 {
	t.Helper()
	var n int64
	if err := d.DB().DB.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
