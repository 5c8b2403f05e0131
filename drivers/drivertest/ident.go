package drivertest

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Fixed names the identifier round trip builds around the name under test.
const (
	identHost = "gw_fz_host"
	identKey  = "gw_fz_id"
	identCol  = "gw_fz_c"
)

// IdentSeeds are names worth trying on every dialect, the seed corpus of
// the drivers' identifier fuzz targets: quotes of each kind, SQL and
// placeholders in a name, unicode, case, spaces, reserved words, prefixes
// and system columns, LIKE wildcards, the length limit in bytes.
var IdentSeeds = []string{
	"plain", "user", "select", "Mixed Case", "UPPER", `we"ird`, `it's`, "back`tick", "semi;colon -- x",
	"a.b", "per%cent", "under_score", "sqliteXtable", "sqlite_table", "SQLite_x", "pg_table", "xmin", "ctid", "XMIN", "oid",
	"Zażółć gęślą jaźń", "模型", "emoji 😀", "tab\tin", "new\nline", " lead", "trail ", "", "nul\x00",
	"\xff\xfe", "$1", "?", "a?b", "/* c */", "0123", "ß", "İ", "a\\b",
	strings.Repeat("x", MaxIdentBytes), strings.Repeat("x", MaxIdentBytes+1), strings.Repeat("é", MaxIdentBytes/2),
}

// MaxIdentBytes is model.MaxIdentLen, for the seeds.
const MaxIdentBytes = model.MaxIdentLen

// IdentRoundTrip proves, for one name, the identifier promise of every
// driver: a table, a column, an index and a view given that name are
// created through the steps and the runner, and read back by Inspect under
// exactly that name (so a second run has nothing to do); or, for each of
// these roles, the name is refused when the registry is built, with an
// error that wraps model.ErrInvalid and shows the name, and the database is
// left untouched. d is an open driver on a database the test may write
// to; the objects are dropped again, so one database serves many names (a
// fuzz target calls this once per input).
func IdentRoundTrip(t *testing.T, d driver.Driver, name string) {
	t.Helper()
	if strings.EqualFold(name, identHost) || strings.EqualFold(name, identKey) || strings.EqualFold(name, identCol) {
		t.Skip("the name of a fixed object of the test")
	}
	fixed := []model.Column{{Name: identKey, Type: model.Integer, NotNull: true}, {Name: identCol, Type: model.Text}}
	host := model.Table{Name: identHost, Columns: fixed, PrimaryKey: []string{identKey}}
	after := schema.After(schema.TableID(identHost))

	// A table named name.
	identRole(t, d, name, "table", []core.Step{schema.Table(model.Table{Name: name, Columns: fixed, PrimaryKey: []string{identKey}})},
		func(cat *model.Catalog) bool { tb := cat.Tables[name]; return tb != nil && tb.Name == name },
		"DROP TABLE "+d.Quote(name))

	// A column named name.
	withCol := host
	withCol.Columns = append(append([]model.Column{}, fixed...), model.Column{Name: name, Type: model.Text})
	identRole(t, d, name, "column", []core.Step{schema.Table(withCol)},
		func(cat *model.Catalog) bool {
			tb := cat.Tables[identHost]
			return tb != nil && hasColumnExactly(tb, name)
		},
		"DROP TABLE "+d.Quote(identHost))

	// An index named name.
	index := model.Index{Name: name, Table: identHost, Columns: []string{identCol}}
	identRole(t, d, name, "index", []core.Step{schema.Table(host), schema.Index(index, after)},
		func(cat *model.Catalog) bool {
			ix := cat.Indexes[name]
			return ix != nil && ix.Name == name && ix.Table == identHost && len(ix.Columns) == 1 && ix.Columns[0] == identCol
		},
		d.DropIndex(&model.IndexState{Name: name, Table: identHost}), "DROP TABLE "+d.Quote(identHost))

	// A view named name.
	view := model.View{Name: name, Query: func(q model.Quoter) string {
		return "SELECT " + q.Quote(identCol) + " FROM " + q.Quote(identHost)
	}}
	identRole(t, d, name, "view", []core.Step{schema.Table(host), schema.View(view, after)},
		func(cat *model.Catalog) bool { v := cat.Views[name]; return v != nil && v.Name == name },
		"DROP VIEW "+d.Quote(name), "DROP TABLE "+d.Quote(identHost))
}

// identRole runs one role of the round trip: either the registry refuses
// the steps, clearly and with nothing written, or applying them makes an
// object that readBack finds under the name, and drops then removes it.
func identRole(t *testing.T, d driver.Driver, name, role string, steps []core.Step, readBack func(*model.Catalog) bool, drops ...string) {
	t.Helper()
	before := catalogNames(t, d)
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		if !errors.Is(err, model.ErrInvalid) {
			t.Fatalf("%s name %q refused with an error that does not wrap model.ErrInvalid: %v", role, name, err)
		}
		if name != "" && !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Fatalf("%s name %q refused with an error that does not show it: %v", role, name, err)
		}
		if after := catalogNames(t, d); after != before {
			t.Fatalf("refusing %s name %q changed the catalog:\n before %s\n after  %s", role, name, before, after)
		}
		return
	}
	identApply(t, d, name, reg)
	if !readBack(identInspect(t, d)) {
		t.Fatalf("%s %q not read back under its name; tables: %s", role, name, tableNames(identInspect(t, d)))
	}
	for _, q := range drops {
		identExec(t, d, q)
	}
	if after := catalogNames(t, d); after != before {
		t.Fatalf("%s %q left objects behind:\n before %s\n after  %s", role, name, before, after)
	}
}

// identApply applies the registry, then applies it again: the second run must
// find everything in place, which it only can when Inspect returned each
// name as it was created.
func identApply(t *testing.T, d driver.Driver, name string, reg *core.Registry) {
	t.Helper()
	for run := 1; run <= 2; run++ {
		rep, err := core.NewRunner(d, reg, core.WithLockTimeout(30*time.Second)).Apply(context.Background())
		if err != nil || rep.Status != core.RunConverged {
			t.Fatalf("name %q: run %d: %v\n%s", name, run, err, coretest.Dump(rep))
		}
		if run == 2 && (rep.Changed || rep.Statements != 0) {
			t.Fatalf("name %q: the second run changed something: the name did not read back as written\n%s", name, coretest.Dump(rep))
		}
	}
}

func identInspect(t *testing.T, d driver.Driver) *model.Catalog {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return cat
}

func identExec(t *testing.T, d driver.Driver, q string) {
	t.Helper()
	if _, err := d.DB().ExecContext(context.Background(), q); err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
}

func hasColumnExactly(tb *model.TableState, name string) bool {
	for _, c := range tb.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

func tableNames(cat *model.Catalog) string {
	var out []string
	for n := range cat.Tables {
		out = append(out, strconv.Quote(n))
	}
	return strings.Join(out, ", ")
}

// catalogNames lists every table, index and view, to show that nothing
// was written.
func catalogNames(t *testing.T, d driver.Driver) string {
	t.Helper()
	cat := identInspect(t, d)
	var out []string
	for n := range cat.Tables {
		out = append(out, "table "+strconv.Quote(n))
	}
	for n := range cat.Indexes {
		out = append(out, "index "+strconv.Quote(n))
	}
	for n := range cat.Views {
		out = append(out, "view "+strconv.Quote(n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
