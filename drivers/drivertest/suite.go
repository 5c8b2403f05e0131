package drivertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// RunConformanceTests runs the whole suite against the harness's driver.
func RunConformanceTests(t *testing.T, h coretest.Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, coretest.Opener)
	}{
		{"FreshApply", testFreshApply},
		{"SecondRunIsNoop", testSecondRunIsNoop},
		{"InspectFixedQueries", testInspectFixedQueries},
		{"HostTablesOutOfScope", testHostTablesOutOfScope},
		{"VerifyFindsDriftApplyHeals", testVerifyAndHeal},
		{"ExistingTableKept", testExistingTableKept},
		{"IncompatibleTypeIsDrift", testIncompatibleType},
		{"AdoptedColumnTypes", testAdoptedColumnTypes},
		{"SerialScan", testSerialScan},
		{"DryRunWritesNothing", testDryRun},
		{"ConcurrentRunners", testConcurrentRunners},
		{"FailingStepResumes", testFailingStepResumes},
		{"FailingCheckInGroup", func(t *testing.T, open coretest.Opener) { testFailingStepInGroup(t, open, core.PhaseCheck) }},
		{"FailingApplyInGroup", func(t *testing.T, open coretest.Opener) { testFailingStepInGroup(t, open, core.PhaseApply) }},
		{"ColdApplyTransactions", testColdApplyTransactions},
		{"LockTimeout", testLockTimeout},
		{"CancelReleasesLock", testCancelReleasesLock},
		{"UpsertOnlyWhenChanged", testUpsert},
		{"UpsertComparesEveryType", testUpsertCompares},
		{"InsertIgnore", testInsertIgnore},
		{"InList", testInList},
		{"BindRows", testBindRows},
		{"WarmStartTakesNoLock", testWarmStartTakesNoLock},
		{"DriftIsRecorded", testDriftIsRecorded},
		{"WarmReadsOneRoundTrip", testWarmReadsOneRoundTrip},
		{"ForeignKeyAction", testForeignKeyAction},
		{"ViewLifecycle", testViewLifecycle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t)) })
	}
}

func runner(t *testing.T, d driver.Driver, steps []core.Step, opts ...core.Option) *core.Runner {
	t.Helper()
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return core.NewRunner(d, reg, append([]core.Option{core.WithLockTimeout(30 * time.Second)}, opts...)...)
}

func apply(t *testing.T, d driver.Driver, steps []core.Step) *core.Report {
	t.Helper()
	rep, err := runner(t, d, steps).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	return rep
}

func verify(t *testing.T, d driver.Driver, steps []core.Step) *core.Report {
	t.Helper()
	rep, err := runner(t, d, steps).Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
	return rep
}

func inspect(t *testing.T, d driver.Driver) *model.Catalog {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return cat
}

func exec(t *testing.T, d driver.Driver, query string) {
	t.Helper()
	if _, err := d.DB().ExecContext(context.Background(), query); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

func count(t *testing.T, d driver.Driver, table string) int {
	t.Helper()
	var n int
	if err := d.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+d.Quote(table)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func wantStatus(t *testing.T, rep *core.Report, status string) {
	t.Helper()
	if rep.Status != status {
		t.Fatalf("status = %s, want %s\n%s", rep.Status, status, coretest.Dump(rep))
	}
}

func testFreshApply(t *testing.T, open coretest.Opener) {
	d := open(t)
	rep := apply(t, d, registrySteps())
	wantStatus(t, rep, core.RunConverged)
	if !rep.Changed {
		t.Fatalf("fresh apply reports no change\n%s", coretest.Dump(rep))
	}
	for _, s := range rep.Steps {
		if s.Status != core.StatusApplied {
			t.Errorf("step %s: %s, want applied", s.ID, s.Status)
		}
	}
	cat := inspect(t, d)
	for _, name := range []string{parentTable, userTable, childTable, weirdTable} {
		if cat.Tables[name] == nil {
			t.Errorf("table %q missing after apply", name)
		}
	}
	if w := cat.Tables[weirdTable]; w == nil || w.Column(weirdColumn) == nil {
		t.Errorf("column %q of %q did not round-trip through the catalog", weirdColumn, weirdTable)
	}
	for _, name := range []string{childIndex, nameIndex} {
		if cat.Indexes[name] == nil {
			t.Errorf("index %q missing after apply", name)
		}
	}
	if ix := cat.Indexes[nameIndex]; ix != nil && !ix.Unique {
		t.Errorf("index %q is not unique", nameIndex)
	}
	if cat.Views[childView] == nil {
		t.Errorf("view %q missing after apply", childView)
	}
	if n := count(t, d, parentTable); n != 1 {
		t.Errorf("%s has %d rows, want the 1 seeded", parentTable, n)
	}
	if !cat.HasUniqueOn(childTable, []string{"parent_id", "label"}) {
		t.Errorf("unique (parent_id, label) missing on %s", childTable)
	}
}

func testSecondRunIsNoop(t *testing.T, open coretest.Opener) {
	d := open(t)
	apply(t, d, registrySteps())
	rep := apply(t, d, registrySteps())
	wantStatus(t, rep, core.RunConverged)
	if rep.Changed || rep.Statements != 0 {
		t.Fatalf("second run changed=%t statements=%d, want nothing\n%s", rep.Changed, rep.Statements, coretest.Dump(rep))
	}
	for _, s := range rep.Steps {
		if s.Status != core.StatusOK || len(s.SQL) > 0 {
			t.Errorf("step %s: %s %v, want ok with no SQL", s.ID, s.Status, s.SQL)
		}
	}
	t.Logf("%s no-op apply: %d queries (lock, catalog, data checks), %d statements executed", d.Dialect(), rep.Queries, rep.Statements)
}

func testInspectFixedQueries(t *testing.T, open coretest.Opener) {
	d := open(t)
	apply(t, d, registrySteps())
	countInspect := func() int64 {
		c := &driver.Counter{}
		if _, err := d.Inspect(driver.WithCounter(context.Background(), c), d.DB()); err != nil {
			t.Fatalf("inspect: %v", err)
		}
		return c.Load()
	}
	small := countInspect()
	var more []core.Step
	for i := range 25 {
		tb := model.Table{Name: fmt.Sprintf("gw_extra_%02d", i), Columns: []model.Column{{Name: "id", Type: model.Text, NotNull: true}, {Name: "v", Type: model.Integer}}, PrimaryKey: []string{"id"}}
		more = append(more, schema.Table(tb), schema.Index(model.Index{Name: tb.Name + "_v", Table: tb.Name, Columns: []string{"v"}}, schema.After(schema.TableID(tb.Name))))
	}
	apply(t, d, more)
	large := countInspect()
	if small != large || small == 0 {
		t.Fatalf("inspect made %d queries for 4 tables and %d for 29: want the same fixed number", small, large)
	}
	t.Logf("%s catalog inspection: %d queries whatever the number of objects", d.Dialect(), small)
}

func testVerifyAndHeal(t *testing.T, open coretest.Opener) {
	d := open(t)
	apply(t, d, registrySteps())
	cat := inspect(t, d)
	exec(t, d, d.DropIndex(cat.Indexes[childIndex]))
	exec(t, d, "DROP VIEW "+d.Quote(childView))
	exec(t, d, "ALTER TABLE "+d.Quote(parentTable)+" DROP COLUMN "+d.Quote("note"))
	exec(t, d, "DELETE FROM "+d.Quote(parentTable))

	rep := verify(t, d, registrySteps())
	wantStatus(t, rep, core.RunDrift)
	all := fmt.Sprint(rep.Drift())
	for _, want := range []string{childIndex, childView, "note", "p1"} {
		if !strings.Contains(all, want) {
			t.Errorf("verify drift %s does not name %q", all, want)
		}
	}
	rep = apply(t, d, registrySteps())
	wantStatus(t, rep, core.RunConverged)
	if !rep.Changed {
		t.Fatalf("healing apply reports no change\n%s", coretest.Dump(rep))
	}
	wantStatus(t, verify(t, d, registrySteps()), core.RunConverged)
	cat = inspect(t, d)
	if cat.Indexes[childIndex] == nil || cat.Views[childView] == nil || cat.Tables[parentTable].Column("note") == nil {
		t.Fatalf("apply did not heal index, view and column")
	}
}

func testExistingTableKept(t *testing.T, open coretest.Opener) {
	d := open(t)
	exec(t, d, "CREATE TABLE "+d.Quote(parentTable)+" (id VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL, n INTEGER NOT NULL DEFAULT 0, legacy VARCHAR(20))")
	for i := range 3 {
		exec(t, d, fmt.Sprintf("INSERT INTO %s (id, name, legacy) VALUES ('old%d', 'old %d', 'keep')", d.Quote(parentTable), i, i))
	}
	rep := apply(t, d, registrySteps())
	wantStatus(t, rep, core.RunConverged)
	if n := count(t, d, parentTable); n != 4 {
		t.Fatalf("%s has %d rows, want 3 kept + 1 seeded", parentTable, n)
	}
	tb := inspect(t, d).Tables[parentTable]
	if tb.Column("legacy") == nil {
		t.Fatalf("the extra column legacy was dropped")
	}
	for _, c := range []string{"big", "r", "flag", "doc", "at", "day", "note"} {
		if tb.Column(c) == nil {
			t.Errorf("missing column %s was not added", c)
		}
	}
	var legacy string
	if err := d.DB().QueryRowContext(context.Background(), "SELECT legacy FROM "+d.Quote(parentTable)+" WHERE id = 'old1'").Scan(&legacy); err != nil || legacy != "keep" {
		t.Fatalf("row old1 changed: legacy=%q err=%v", legacy, err)
	}
	if sr := rep.Step(schema.TableID(parentTable)); sr == nil || len(sr.Notes) == 0 {
		t.Errorf("the undeclared column is not noted in the report")
	}
}

func testIncompatibleType(t *testing.T, open coretest.Opener) {
	d := open(t)
	exec(t, d, "CREATE TABLE "+d.Quote(userTable)+" (id VARCHAR(64) PRIMARY KEY, email VARCHAR(200), role INTEGER NOT NULL DEFAULT 0)")
	exec(t, d, "INSERT INTO "+d.Quote(userTable)+" (id, email, role) VALUES ('u1', 'a@b.c', 7)")
	rep, err := runner(t, d, registrySteps()).Apply(context.Background())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	wantStatus(t, rep, core.RunDrift)
	sr := rep.Step(schema.TableID(userTable))
	if sr == nil || sr.Status != core.StatusDrift || !strings.Contains(fmt.Sprint(sr.Drift), "role") {
		t.Fatalf("retyped column not reported as drift naming it\n%s", coretest.Dump(rep))
	}
	if n := count(t, d, userTable); n != 1 {
		t.Fatalf("%s has %d rows, want the 1 it had", userTable, n)
	}
	if c := inspect(t, d).Tables[userTable].Column("role"); c == nil || !strings.Contains(c.Type, "int") {
		t.Fatalf("column role was altered: %+v", c)
	}
	wantStatus(t, verify(t, d, registrySteps()), core.RunDrift)
}

func testDryRun(t *testing.T, open coretest.Opener) {
	d := open(t)
	rep, err := runner(t, d, registrySteps()).Plan(context.Background())
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	wantStatus(t, rep, core.RunPending)
	if rep.Changed {
		t.Fatalf("a dry run says it changed something")
	}
	sqlSeen := 0
	for _, s := range rep.Steps {
		if s.Status != core.StatusPending {
			t.Errorf("step %s: %s, want pending", s.ID, s.Status)
		}
		sqlSeen += len(s.SQL)
	}
	if sqlSeen == 0 {
		t.Fatalf("the plan shows no SQL")
	}
	if cat := inspect(t, d); len(cat.Tables)+len(cat.Views)+len(cat.Indexes) != 0 {
		t.Fatalf("dry run wrote objects: %d tables, %d views", len(cat.Tables), len(cat.Views))
	}
}

func testConcurrentRunners(t *testing.T, open coretest.Opener) {
	const n = 4
	drivers := make([]driver.Driver, n)
	for i := range drivers {
		drivers[i] = open(t)
	}
	reports := make([]*core.Report, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			reports[i], errs[i] = runner(t, drivers[i], registrySteps()).Apply(context.Background())
		})
	}
	wg.Wait()
	changed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("runner %d: %v\n%s", i, errs[i], coretest.Dump(reports[i]))
		}
		wantStatus(t, reports[i], core.RunConverged)
		if reports[i].Changed {
			changed++
		}
	}
	if changed != 1 {
		t.Fatalf("%d runners changed something, want exactly 1", changed)
	}
	if c := count(t, drivers[0], parentTable); c != 1 {
		t.Fatalf("%s has %d rows, want 1", parentTable, c)
	}
}

// failingStep fails in apply until fixed is set.
type failingStep struct{ fixed bool }

func (*failingStep) Info() core.StepInfo {
	return core.StepInfo{ID: "fails", Description: "fails until fixed", After: []string{schema.TableID(parentTable)}}
}

func (f *failingStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	p := &core.Plan{}
	if f.fixed {
		return p, nil
	}
	p.Add("run invalid SQL", "SELECT * FROM gw_no_such_table_at_all")
	return p, nil
}

func testFailingStepResumes(t *testing.T, open coretest.Opener) {
	d := open(t)
	bad := &failingStep{}
	later := schema.Table(users(), schema.After("fails"))
	steps := []core.Step{schema.Table(parent()), bad, later}
	rep, err := runner(t, d, steps).Apply(context.Background())
	var se *core.StepError
	if !errors.As(err, &se) || se.Step != "fails" || se.Phase != core.PhaseApply {
		t.Fatalf("err = %v, want a StepError for step fails in apply", err)
	}
	wantStatus(t, rep, core.RunFailed)
	cat := inspect(t, d)
	if cat.Tables[parentTable] == nil {
		t.Fatalf("the step before the failure was not kept")
	}
	if cat.Tables[userTable] != nil {
		t.Fatalf("a step after the failure ran")
	}
	bad.fixed = true
	rep = apply(t, d, steps)
	wantStatus(t, rep, core.RunConverged)
	if rep.Step(schema.TableID(parentTable)).Status != core.StatusOK || rep.Step(schema.TableID(userTable)).Status != core.StatusApplied {
		t.Fatalf("the next run did not resume where the failed one stopped\n%s", coretest.Dump(rep))
	}
}

func testLockTimeout(t *testing.T, open coretest.Opener) {
	a, b := open(t), open(t)
	lock, err := a.Lock(context.Background(), "gw-test", time.Second)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	start := time.Now()
	_, err = runner(t, b, registrySteps(), core.WithLockName("gw-test"), core.WithLockTimeout(300*time.Millisecond)).Apply(context.Background())
	waited := time.Since(start)
	var le *driver.LockError
	if !errors.Is(err, driver.ErrLockTimeout) || !errors.As(err, &le) || !strings.Contains(err.Error(), "gw-test") {
		t.Fatalf("err = %v, want a LockError naming gw-test", err)
	}
	if waited > 10*time.Second {
		t.Fatalf("gave up after %s, far beyond the 300ms asked", waited)
	}
	if len(inspect(t, b).Tables) != 0 {
		t.Fatalf("a runner that did not get the lock wrote objects")
	}
	if err := lock.Unlock(context.Background()); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	apply(t, b, registrySteps())
}

func testCancelReleasesLock(t *testing.T, open coretest.Opener) {
	d := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := runner(t, d, registrySteps()).Apply(ctx)
	if err == nil {
		t.Fatalf("a cancelled run succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	lock, err := open(t).Lock(context.Background(), "groundwork", 2*time.Second)
	if err != nil {
		t.Fatalf("lock still held after a cancelled run: %v", err)
	}
	_ = lock.Unlock(context.Background())
}

func testUpsert(t *testing.T, open coretest.Opener) {
	d := open(t)
	apply(t, d, []core.Step{schema.Table(parent())})
	data, ok := d.(driver.DataSQL)
	if !ok {
		t.Skip("driver renders no data statements")
	}
	q := data.Upsert(parentTable, []string{"id", "name", "big"}, []string{"id"}, []string{"name"}, []string{"big"})
	run := func(name string, big int64) {
		t.Helper()
		if _, err := d.DB().DB.ExecContext(context.Background(), core.Rebind(d, q), "u1", name, big); err != nil {
			t.Fatalf("upsert: %v\n%s", err, q)
		}
	}
	readRow := func() (string, int64) {
		var name string
		var big int64
		if err := d.DB().QueryRowContext(context.Background(), "SELECT name, big FROM "+d.Quote(parentTable)+" WHERE id = 'u1'").Scan(&name, &big); err != nil {
			t.Fatalf("read: %v", err)
		}
		return name, big
	}
	run("one", 1)
	run("one", 2)
	if name, big := readRow(); name != "one" || big != 1 {
		t.Fatalf("an unchanged row was rewritten: name=%s big=%d", name, big)
	}
	run("two", 3)
	if name, big := readRow(); name != "two" || big != 3 {
		t.Fatalf("a changed row was not updated: name=%s big=%d", name, big)
	}
}
