package drivertest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testInList: core.InList finds exactly the rows an IN list of one
// placeholder per value finds, also for values a JSON encoding or the
// dialect's quoting could bend (quotes, a backslash, a "?", control
// characters, unicode, trailing spaces, 2,000 values in one parameter),
// and next to other parameters. A driver's driver.ListBinder refuses the
// values it cannot carry exactly (invalid UTF-8, a NUL), and InList then
// falls back to the placeholders. Without the hook (MariaDB) the
// fallback is all there is, and it is checked the same way.
func testInList(t *testing.T, open coretest.Opener) {
	d := open(t)
	const table = `gw_in"list`
	apply(t, d, []core.Step{schema.Table(model.Table{Name: table, Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true}, {Name: "grp", Type: model.Text, NotNull: true},
	}, PrimaryKey: []string{"id"}})})
	odd := []string{`it's`, `say "hi"`, `back\slash`, `a?b`, "tab\there", "line\nbreak", "\x01ctl", "zażółć", "日本", "😀", "trail ", "{\"a\":1}", "[1]", `\u0041`}
	var stored []string
	for i := range 2000 {
		stored = append(stored, "m-"+strings.Repeat("x", i%7)+"-"+strconv.Itoa(i))
	}
	stored = append(stored, odd...)
	ctx := context.Background()
	for _, part := range chunkStrings(stored, 200) {
		q := "INSERT INTO " + d.Quote(table) + " (id, grp) VALUES " + strings.TrimSuffix(strings.Repeat("(?, 'g'), ", len(part)), ", ")
		args := make([]any, len(part))
		for i, v := range part {
			args[i] = v
		}
		affected(t, d, q, args...)
	}
	// Every stored value, a few that are not stored (a near miss of each
	// odd one, which an escaping bug would turn into a match).
	want := append([]string{}, stored...)
	probe := append(append([]string{}, stored...), "absent", `it''s`, `back\\slash`, "A", "")
	lb, hook := d.(driver.ListBinder)
	pred, args := core.InList(d, "id", probe)
	if hook && len(args) != 1 {
		t.Fatalf("InList bound %d parameters for %d values with a ListBinder, want 1", len(args), len(probe))
	}
	got := selectIDs(t, d, "SELECT id FROM "+d.Quote(table)+" WHERE grp = ? AND "+pred, append([]any{"g"}, args...)...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("InList found %d rows, want the %d stored (first differences: %v)", len(got), len(want), firstDiff(got, want))
	}
	var n int64
	if err := d.DB().DB.QueryRowContext(ctx, core.Rebind(d, "SELECT COUNT(*) FROM "+d.Quote(table)+" WHERE "+pred), args...).Scan(&n); err != nil {
		t.Fatalf("count: %v\n%s", err, pred)
	}
	if n != int64(len(stored)) {
		t.Fatalf("InList counted %d rows, want %d", n, len(stored))
	}
	if !hook {
		return
	}
	for _, bad := range []string{"nul\x00byte", "bad\xffutf8"} {
		if _, _, ok := lb.InList("id", []string{"x", bad}); ok {
			t.Errorf("ListBinder took %q, which JSON does not carry exactly", bad)
		}
		if pred, args := core.InList(d, "id", []string{"x", bad}); len(args) != 2 || !strings.Contains(pred, "?, ?") {
			t.Errorf("InList with %q: %s with %d args, want the placeholders", bad, pred, len(args))
		}
	}
}

func selectIDs(t *testing.T, d driver.Driver, q string, args ...any) []string {
	t.Helper()
	rows, err := d.DB().DB.QueryContext(context.Background(), core.Rebind(d, q), args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func firstDiff(got, want []string) []string {
	var out []string
	for _, v := range want {
		if _, ok := slices.BinarySearch(got, v); !ok {
			out = append(out, "missing "+v)
		}
	}
	for _, v := range got {
		if _, ok := slices.BinarySearch(want, v); !ok {
			out = append(out, "extra "+v)
		}
	}
	return out[:min(len(out), 5)]
}

func chunkStrings(list []string, per int) [][]string {
	var out [][]string
	for len(list) > per {
		out = append(out, list[:per])
		list = list[per:]
	}
	return append(out, list)
}
