package postgres

import (
	"context"
	"reflect"
	"testing"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
)

// TestInspectAndRead: the catalog is the one InspectNames reads, each
// read's row comes back as database/sql would scan it, and a read that
// fails (a table or a column the database does not have) fails alone,
// before and after the others.
func TestInspectAndRead(t *testing.T) {
	ctx := context.Background()
	d := openTest(t)
	mustExec(t, d, handMade)
	mustExec(t, d, `INSERT INTO "user" (id, email, created_at) VALUES ('u1', 'a@b.c', 42)`)
	names := []string{"user", "model", "organization_models", "active_models", "missing"}
	want, err := d.InspectNames(ctx, d.DB(), names)
	if err != nil {
		t.Fatal(err)
	}
	reads := []driver.Statement{
		{SQL: `SELECT x FROM nowhere`},
		{SQL: `SELECT COUNT(*), MIN(email), bool_and(true), 1.5::float8, NULL::text FROM "user" WHERE id = $1`, Args: []any{"u1"}},
		{SQL: `SELECT email FROM "user" WHERE id = $1`, Args: []any{"nobody"}},
		{SQL: `SELECT data FROM "user"`},
		{SQL: `SELECT created_at, '{"a": 1}'::json, '\x01ff'::bytea FROM "user" ORDER BY id LIMIT 1`},
		{SQL: `SELECT 1 / (COUNT(*) - 1) FROM "user"`}, // fails while it runs
		{SQL: `SELECT role FROM "user" WHERE id = $1`, Args: []any{"u1"}},
	}
	cat, res, err := d.InspectAndRead(ctx, d.DB(), names, reads)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cat, want) {
		t.Errorf("catalog differs from InspectNames' (below if in tables or indexes; views %+v, want %+v)", cat.Views, want.Views)
		drivertest.WantTables(t, cat.Tables, want.Tables)
		drivertest.WantIndexes(t, cat.Indexes, want.Indexes)
	}
	if len(res) != len(reads) {
		t.Fatalf("%d results for %d reads", len(res), len(reads))
	}
	for _, i := range []int{0, 3, 5} {
		if res[i].Err == nil || res[i].Row != nil {
			t.Errorf("read %d: %+v, want its error alone", i, res[i])
		}
	}
	wantRows := map[int][]any{
		1: {int64(1), "a@b.c", true, 1.5, nil},
		2: nil,
		4: {int64(42), []byte(`{"a": 1}`), []byte{0x01, 0xff}},
		6: {"user"},
	}
	for i, row := range wantRows {
		if res[i].Err != nil || !reflect.DeepEqual(res[i].Row, row) {
			t.Errorf("read %d: %#v (err %v), want %#v", i, res[i].Row, res[i].Err, row)
		}
	}
	// The connection is clean after the pipeline: the pool reuses it.
	var one int
	if err := d.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after the pipeline: %v", err)
	}
	if _, again, err := d.InspectAndRead(ctx, d.DB(), names, reads[6:]); err != nil || again[0].Err != nil {
		t.Fatalf("a second pipeline: %v %+v", err, again)
	}
}
