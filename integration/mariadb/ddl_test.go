//go:build integration

package mariadb_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// TestDefaultsStoredExactly: string defaults with quotes, backslashes and
// unicode read back exactly, in the default sql_mode and with
// NO_BACKSLASH_ESCAPES, and the table can still be altered afterwards
// (MariaDB re-reads the stored defaults on every ALTER).
func TestDefaultsStoredExactly(t *testing.T) {
	const hostile = `it's "x" \ \\' ; -- ü ✓ ?`
	_, dsn := newDatabase(t)
	modes := map[string]string{
		"default":              dsn,
		"no backslash escapes": dsn + "&sql_mode=" + url.QueryEscape("'NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES'"),
		"ansi quotes, pipes":   dsn + "&sql_mode=" + url.QueryEscape("'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_TRANS_TABLES'"),
	}
	for mode, dsn := range modes {
		t.Run(mode, func(t *testing.T) {
			d := open(t, dsn)
			var sqlMode string
			if err := d.DB().QueryRowContext(context.Background(), "SELECT @@SESSION.sql_mode").Scan(&sqlMode); err != nil {
				t.Fatal(err)
			}
			t.Logf("sql_mode %s", sqlMode)
			name := "defaults " + mode
			tb := core.Table{Name: name, Columns: []core.Column{
				{Name: "id", Type: core.Text, NotNull: true},
				{Name: "t", Type: core.Text, Default: hostile},
				{Name: "v", Type: core.Text, Default: hostile},
				{Name: "j", Type: core.JSON, Default: `{"k": "\\ü"}`},
				{Name: "r", Type: core.Real, Default: 1.3},
				{Name: "b", Type: core.Boolean, NotNull: true, Default: true},
				{Name: "day", Type: core.Date, Default: "2025-01-02"},
			}, PrimaryKey: []string{"id"}, Uniques: []core.Unique{{Columns: []string{"v"}}}}
			applyAll(t, d, d.CreateTable(tb))
			mustExec(t, d, d.AddColumn(name, core.Column{Name: "later", Type: core.Text, NotNull: true, Default: `a\'b`}))
			cat, err := d.Inspect(context.Background(), d.DB())
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, d, d.CreateIndexIn(cat, core.Index{Name: "ix " + mode, Table: name, Columns: []string{"t", "later"}}))
			mustExec(t, d, "INSERT INTO "+d.Quote(name)+" (id) VALUES ('r1')")
			var tv, vv, j, later, day string
			var r float64
			var b bool
			if err := d.DB().QueryRowContext(context.Background(), "SELECT t, v, j, r, b, later, CAST(day AS CHAR) FROM "+d.Quote(name)).Scan(&tv, &vv, &j, &r, &b, &later, &day); err != nil {
				t.Fatal(err)
			}
			if tv != hostile || vv != hostile || j != `{"k": "\\ü"}` || r != 1.3 || !b || later != `a\'b` || day != "2025-01-02" {
				t.Fatalf("defaults read back as t=%q v=%q j=%q r=%v b=%t later=%q day=%q", tv, vv, j, r, b, later, day)
			}
		})
	}
}

// TestIndexesOnText: a declared index on TEXT columns (no key of their
// table, so TEXT) is created with a prefix, is seen in full by the next
// inspection and is not rebuilt; a unique one refuses a duplicate.
func TestIndexesOnText(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	tb := core.Table{Name: "user_client_mapping", Columns: []core.Column{
		{Name: "id", Type: core.Text, NotNull: true},
		{Name: "user_id", Type: core.Text, NotNull: true},
		{Name: "openrouter_user_id", Type: core.Text, NotNull: true},
		{Name: "usage_date", Type: core.Date},
	}, PrimaryKey: []string{"id"}}
	indexes := []core.Index{
		{Name: "idx_user_id", Table: tb.Name, Columns: []string{"user_id"}},
		{Name: "idx_user_date", Table: tb.Name, Columns: []string{"id", "user_id", "usage_date"}},
		{Name: "idx_openrouter_user_id", Table: tb.Name, Columns: []string{"openrouter_user_id"}, Unique: true},
	}
	steps := []core.Step{schema.Table(tb)}
	for _, ix := range indexes {
		steps = append(steps, schema.Index(ix, schema.After(schema.TableID(tb.Name))))
	}
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		rep, err := core.NewRunner(d, reg).Apply(context.Background())
		if err != nil || rep.Status != core.RunConverged {
			t.Fatalf("run %d: %v %+v", run, err, rep.Steps)
		}
		if run == 2 && (rep.Changed || rep.Statements != 0) {
			t.Fatalf("the indexes are rebuilt on every run: %+v", rep.Steps)
		}
		for _, s := range rep.Steps {
			if run == 1 && (s.Transactional == nil || *s.Transactional) {
				t.Errorf("step %s is not reported as non-transactional", s.ID)
			}
		}
	}
	mustExec(t, d, "INSERT INTO user_client_mapping (id, user_id, openrouter_user_id) VALUES ('a', 'u', 'or-1')")
	if _, err := d.DB().ExecContext(context.Background(), "INSERT INTO user_client_mapping (id, user_id, openrouter_user_id) VALUES ('b', 'u', 'or-1')"); err == nil {
		t.Fatalf("the unique index on a TEXT column let a duplicate in")
	}
}
