package drivertest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testBindRows: the rows of a driver.RowBinder's query, inserted with
// InsertIgnore beside cast placeholders of shared values, are stored
// exactly as given, also values a JSON encoding or the dialect's quoting
// could bend (quotes, a backslash, a "?", control characters, unicode,
// trailing spaces, JSON text), 2,000 rows in one parameter; a JSON column
// takes its value through a cast; a second insert adds nothing. The
// binder refuses what it cannot carry exactly (invalid UTF-8, a NUL, rows
// of different lengths, no rows). Without the hook (MariaDB) callers
// insert VALUES lists, which testInsertIgnore covers.
func testBindRows(t *testing.T, open coretest.Opener) {
	d := open(t)
	rb, hook := d.(driver.RowBinder)
	if !hook {
		if _, _, ok := core.BindRows(d, [][]string{{"a"}}); ok {
			t.Fatal("core.BindRows bound rows without a RowBinder")
		}
		t.Skip("no driver.RowBinder: rows are inserted as VALUES lists")
	}
	data := dataSQL(t, d)
	const table = `gw_bound"rows`
	apply(t, d, []core.Step{schema.Table(model.Table{Name: table, Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true}, {Name: "v", Type: model.Text},
		{Name: "doc", Type: model.JSON}, {Name: "n?", Type: model.BigInt, NotNull: true}, {Name: "on", Type: model.Boolean},
	}, PrimaryKey: []string{"id"}})})
	odd := []string{`it's`, `say "hi"`, `back\slash`, `a?b`, "tab\there", "line\nbreak", "\x01ctl", "zażółć", "日本", "😀", "trail ", "{\"a\":1}", "[1]", `\u0041`, ""}
	var rows [][]string
	for i := range 2000 {
		rows = append(rows, []string{"r-" + strconv.Itoa(i), strings.Repeat("x", i%7), `{"i":` + strconv.Itoa(i) + `}`})
	}
	for i, v := range odd {
		doc, _ := json.Marshal(map[string]string{"s": v})
		rows = append(rows, []string{v + "#" + strconv.Itoa(i), v, string(doc)})
	}
	src, arg, ok := core.BindRows(d, rows)
	if !ok {
		t.Fatal("the RowBinder refused valid rows")
	}
	q := data.InsertIgnore(table, []string{"id", "v", "doc", "n?", "on"},
		"SELECT r.c1, r.c2, "+data.Cast("r.c3", model.JSON)+", "+data.Cast("?", model.BigInt)+", "+data.Cast("?", model.Boolean)+" FROM ("+src+") AS r")
	if n := affected(t, d, q, int64(1)<<40, true, arg); n != int64(len(rows)) {
		t.Fatalf("inserted %d rows, want %d\n%s", n, len(rows), q)
	}
	if n := affected(t, d, q, int64(1)<<40, true, arg); n != 0 {
		t.Fatalf("a second insert added %d rows, want 0", n)
	}
	got := map[string][2]string{}
	res, err := d.DB().DB.QueryContext(context.Background(), "SELECT id, v, "+d.Quote("n?")+" FROM "+d.Quote(table))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		var id, v string
		var n int64
		if err := res.Scan(&id, &v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1<<40 {
			t.Fatalf("row %q: n = %d, want %d", id, n, int64(1)<<40)
		}
		got[id] = [2]string{v}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	var diff []string
	for _, r := range rows {
		if g, ok := got[r[0]]; !ok || g[0] != r[1] {
			diff = append(diff, strconv.Quote(r[0]))
		}
	}
	if len(got) != len(rows) || len(diff) > 0 {
		t.Fatalf("stored %d rows, want %d; wrong or missing: %v", len(got), len(rows), diff[:min(len(diff), 5)])
	}
	var doc string
	if err := d.DB().DB.QueryRowContext(context.Background(), core.Rebind(d, "SELECT "+data.Cast("doc", model.Text)+" FROM "+d.Quote(table)+" WHERE id = ?"), `say "hi"#1`).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if compact := strings.ReplaceAll(doc, " ", ""); compact != `{"s":"say\"hi\""}` {
		t.Fatalf("JSON column: %s", doc)
	}
	for _, bad := range [][][]string{{{"x"}, {"nul\x00byte"}}, {{"x"}, {"bad\xffutf8"}}, {{"x", "y"}, {"z"}}, {}, {{}}} {
		if _, _, ok := rb.BindRows(bad); ok {
			t.Errorf("RowBinder took %q, which it cannot carry exactly", bad)
		}
	}
}
