package drivertest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// hostTables is how many tables of its own the host gets in
// testHostTablesOutOfScope; every tenth has an index, every fiftieth a
// view over it.
const hostTables = 500

const hostPrefix = "host_own_"

// testHostTablesOutOfScope: the catalog read is scoped to what the
// registry declares, so 500 host tables (with indexes and views) change
// neither a warm start's query count nor what the scoped catalog holds,
// and declared objects, present or missing, are still seen.
func testHostTablesOutOfScope(t *testing.T, open coretest.Opener) {
	d := open(t)
	steps := registrySteps()
	names, ok := core.CatalogScope(steps, nil)
	if !ok {
		t.Fatal("the suite's steps do not all declare their catalog names")
	}
	apply(t, d, steps)
	warm := apply(t, d, steps)
	wantStatus(t, warm, core.RunConverged)
	before := inspectTimes(t, d, names)

	ctx := context.Background()
	for i := range hostTables {
		tb := model.Table{Name: fmt.Sprintf("%s%03d", hostPrefix, i), Columns: []model.Column{
			{Name: "id", Type: model.Integer, NotNull: true}, {Name: "v", Type: model.Text}, {Name: "parent", Type: model.Text},
		}, PrimaryKey: []string{"id"}}
		if i%25 == 0 {
			// A host key to a declared table: the host's, not ours.
			tb.ForeignKeys = []model.ForeignKey{{Columns: []string{"parent"}, RefTable: parentTable, RefColumns: []string{"id"}}}
		}
		stmts := d.CreateTable(tb)
		if i%10 == 0 {
			stmts = append(stmts, d.CreateIndex(model.Index{Name: tb.Name + "_v", Table: tb.Name, Columns: []string{"v"}}))
		}
		if i%50 == 0 {
			stmts = append(stmts, d.CreateView(model.View{Name: tb.Name + "_view", Query: func(q model.Quoter) string {
				return "SELECT id, v FROM " + q.Quote(tb.Name)
			}})...)
		}
		for _, st := range stmts {
			if _, err := d.DB().ExecContext(ctx, st); err != nil {
				t.Fatalf("host table %s: %q: %v", tb.Name, st, err)
			}
		}
	}

	again := apply(t, d, steps)
	wantStatus(t, again, core.RunConverged)
	if again.Changed {
		t.Fatalf("a warm start with %d host tables changed something\n%s", hostTables, coretest.Dump(again))
	}
	if again.Queries != warm.Queries {
		t.Fatalf("a warm start made %d queries with %d host tables, %d without: want the same", again.Queries, hostTables, warm.Queries)
	}
	if v := verify(t, d, steps); v.Status != core.RunConverged || v.Queries == 0 {
		t.Fatalf("verify with host tables: %s, %d queries\n%s", v.Status, v.Queries, coretest.Dump(v))
	}

	cat := scopedInspect(t, d, names)
	for name := range cat.Tables {
		if strings.HasPrefix(name, hostPrefix) {
			t.Errorf("the scoped catalog holds the host's table %s", name)
		}
	}
	for name, ix := range cat.Indexes {
		if strings.HasPrefix(name, hostPrefix) || strings.HasPrefix(ix.Table, hostPrefix) {
			t.Errorf("the scoped catalog holds the host's index %s on %s", name, ix.Table)
		}
	}
	for name := range cat.Views {
		if strings.HasPrefix(name, hostPrefix) {
			t.Errorf("the scoped catalog holds the host's view %s", name)
		}
	}
	for _, name := range []string{parentTable, userTable, childTable, weirdTable} {
		if cat.Tables[name] == nil {
			t.Errorf("the scoped catalog misses the declared table %s", name)
		}
	}
	for _, name := range []string{childIndex, nameIndex} {
		if cat.Indexes[name] == nil {
			t.Errorf("the scoped catalog misses the declared index %s", name)
		}
	}
	if cat.Views[childView] == nil {
		t.Errorf("the scoped catalog misses the declared view %s", childView)
	}
	if len(cat.Tables[childTable].ForeignKeys) != 2 {
		t.Errorf("declared table %s has %d foreign keys in the scoped catalog, want 2", childTable, len(cat.Tables[childTable].ForeignKeys))
	}
	if full := inspect(t, d); len(full.Tables) < hostTables {
		t.Errorf("the whole catalog holds %d tables, want at least %d", len(full.Tables), hostTables)
	}

	// A declared object that goes missing is still seen, and healed.
	exec(t, d, d.DropIndex(cat.Indexes[childIndex]))
	exec(t, d, "DROP VIEW "+d.Quote(childView))
	if c := scopedInspect(t, d, names); c.Indexes[childIndex] != nil || c.Views[childView] != nil {
		t.Fatal("the scoped catalog still shows the dropped index or view")
	}
	healed := apply(t, d, steps)
	if !healed.Changed {
		t.Fatalf("apply did not restore the dropped index and view\n%s", coretest.Dump(healed))
	}
	if c := scopedInspect(t, d, names); c.Indexes[childIndex] == nil || c.Views[childView] == nil {
		t.Fatal("the scoped catalog misses the restored index or view")
	}

	after := inspectTimes(t, d, names)
	t.Logf("%s catalog read, median of %d: scoped %v with 0 host tables, %v with %d; whole %v / %v; warm apply %d queries both times",
		d.Dialect(), timedReads, before.scoped, after.scoped, hostTables, before.whole, after.whole, warm.Queries)
}

func scopedInspect(t *testing.T, d driver.Driver, names []string) *model.Catalog {
	t.Helper()
	c := &driver.Counter{}
	cat, err := core.Inspect(driver.WithCounter(context.Background(), c), d, d.DB(), names)
	if err != nil {
		t.Fatalf("scoped inspect: %v", err)
	}
	return cat
}

const timedReads = 7

type readTimes struct{ scoped, whole time.Duration }

// inspectTimes measures the catalog read for the figures the test logs;
// nothing is asserted on them.
func inspectTimes(t *testing.T, d driver.Driver, names []string) readTimes {
	t.Helper()
	median := func(read func() error) time.Duration {
		ds := make([]time.Duration, 0, timedReads)
		for range timedReads {
			start := time.Now()
			if err := read(); err != nil {
				t.Fatalf("inspect: %v", err)
			}
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	ctx := context.Background()
	return readTimes{
		scoped: median(func() error { _, err := core.Inspect(ctx, d, d.DB(), names); return err }),
		whole:  median(func() error { _, err := d.Inspect(ctx, d.DB()); return err }),
	}
}
