package drivertest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testUpsertCompares: the upsert writes a row only when a compared column
// changed, whatever its type: JSON and floating-point columns compare
// equal to the same value bound again, NULL to NULL; a value set to NULL,
// a change of case (under a collation that ignores case) and a changed
// number are written. A row left as it was counts no row affected, so
// the step reports no change.
func testUpsertCompares(t *testing.T, open coretest.Opener) {
	d := open(t)
	data := dataSQL(t, d)
	const table = "gw_upsert_orgs"
	apply(t, d, []core.Step{schema.Table(model.Table{Name: table, Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true},
		{Name: "name", Type: model.Text, NotNull: true},
		{Name: "cfg", Type: model.JSON},
		{Name: "rate", Type: model.Real},
		{Name: "updated_at", Type: model.BigInt},
	}, PrimaryKey: []string{"id"}})})
	q := data.Upsert(table, []string{"id", "name", "cfg", "rate", "updated_at"}, []string{"id"}, []string{"name", "cfg", "rate"}, []string{"updated_at"})
	upsert := func(args ...any) int64 {
		t.Helper()
		return affected(t, d, q, args...)
	}
	read := func() (string, sql.NullString, int64) {
		t.Helper()
		var name string
		var cfg sql.NullString
		var at int64
		if err := d.DB().QueryRowContext(context.Background(), "SELECT name, cfg, updated_at FROM "+d.Quote(table)+" WHERE id = 'o1'").Scan(&name, &cfg, &at); err != nil {
			t.Fatal(err)
		}
		return name, cfg, at
	}
	if n := upsert("o1", "Org", `{"a": 1}`, 1.3, int64(1)); n != 1 {
		t.Fatalf("insert: %d rows", n)
	}
	if n := upsert("o1", "Org", `{"a": 1}`, 1.3, int64(2)); n != 0 {
		t.Fatalf("an unchanged row counts %d rows", n)
	}
	if _, _, at := read(); at != 1 {
		t.Fatalf("an unchanged row (json and real compare columns) was rewritten: updated_at=%d", at)
	}
	upsert("o1", "Org", nil, 1.3, int64(3))
	if _, cfg, at := read(); cfg.Valid || at != 3 {
		t.Fatalf("a value set to NULL was not updated: cfg=%v updated_at=%d", cfg, at)
	}
	upsert("o1", "Org", nil, 1.3, int64(4))
	if _, _, at := read(); at != 3 {
		t.Fatalf("NULL = NULL counted as a change")
	}
	upsert("o1", "ORG", nil, 1.3, int64(5))
	if name, _, at := read(); name != "ORG" || at != 5 {
		t.Fatalf("a change of case was not written: %s %d", name, at)
	}
	upsert("o1", "Org 2", nil, 1.31, int64(6))
	if name, _, at := read(); name != "Org 2" || at != 6 {
		t.Fatalf("a changed name was not written: %s %d", name, at)
	}
}

// dataSQL is d's data SQL renderer; the case is skipped without one.
func dataSQL(t *testing.T, d driver.Driver) driver.DataSQL {
	t.Helper()
	data, ok := d.(driver.DataSQL)
	if !ok {
		t.Skip("driver renders no data statements")
	}
	return data
}

// affected runs q as the runner does (through core.Rebind, arguments as
// database/sql takes them) and returns the rows it affected.
func affected(t *testing.T, d driver.Driver, q string, args ...any) int64 {
	t.Helper()
	res, err := d.DB().DB.ExecContext(context.Background(), core.Rebind(d, q), args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
