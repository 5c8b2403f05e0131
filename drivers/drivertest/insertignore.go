package drivertest

import (
	"context"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testInsertIgnore: InsertIgnore adds the rows that conflict with no
// unique constraint (the primary key or another), set-based from a SELECT
// with cast placeholders, counts only the rows it added, and leaves every
// other error an error: a NULL in a NOT NULL column is refused, not
// stored as an empty value as MySQL's INSERT IGNORE would.
func testInsertIgnore(t *testing.T, open coretest.Opener) {
	d := open(t)
	data := dataSQL(t, d)
	const target = `gw_we"ird`
	apply(t, d, []core.Step{
		schema.Table(model.Table{Name: "user", Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true}, {Name: "email", Type: model.Text}, {Name: "role", Type: model.Text},
		}, PrimaryKey: []string{"id"}}),
		schema.Table(model.Table{Name: target, Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true}, {Name: "user_id", Type: model.Text, NotNull: true},
			{Name: "n?", Type: model.BigInt}, {Name: "at", Type: model.Timestamp},
		}, PrimaryKey: []string{"id"}, Uniques: []model.Unique{{Columns: []string{"user_id"}}}}),
	})
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, email, role) VALUES ('u1', 'a@x', 'user'), ('u2', NULL, 'user'), ('u3', 'c@x', 'pending')")
	ctx := context.Background()
	sel := "SELECT " + data.Concat(data.Cast("?", model.Text), "u.id") + " AS id, u.id AS user_id, " + data.Cast("?", model.BigInt) + ", " +
		data.Cast("?", model.Timestamp) + " FROM " + d.Quote("user") + " u WHERE u.role <> ?"
	q := data.InsertIgnore(target, []string{"id", "user_id", "n?", "at"}, sel)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if n := affected(t, d, q, "org-", int64(1)<<40, at, "pending"); n != 2 {
		t.Fatalf("first insert: %d rows, want 2 (NULL email kept, pending left out)", n)
	}
	if n := affected(t, d, q, "org-", int64(7), at, "pending"); n != 0 {
		t.Fatalf("second insert: %d rows, want 0", n)
	}
	// A row conflicting on the other unique constraint is skipped too.
	if n := affected(t, d, data.InsertIgnore(target, []string{"id", "user_id"}, "SELECT ?, ?"), "other", "u1"); n != 0 {
		t.Fatalf("a row conflicting on user_id was inserted")
	}
	var id string
	var big int64
	if err := d.DB().QueryRowContext(ctx, "SELECT id, "+d.Quote("n?")+" FROM "+d.Quote(target)+" WHERE user_id = 'u2'").Scan(&id, &big); err != nil {
		t.Fatal(err)
	}
	if id != "org-u2" || big != 1<<40 {
		t.Fatalf("row = %s %d", id, big)
	}
	if _, err := d.DB().DB.ExecContext(ctx, core.Rebind(d, data.InsertIgnore(target, []string{"id", "user_id"}, "VALUES (?, ?)")), "x", nil); err == nil {
		t.Fatalf("a NULL in a NOT NULL column was taken")
	}
}
