package postgres

import (
	"context"
	"database/sql"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func execArgs(t *testing.T, d *Driver, query string, args ...any) sql.Result {
	t.Helper()
	// As core.Session.Exec does: "?" rebound to $n, arguments native.
	res, err := d.DB().DB.ExecContext(context.Background(), core.Rebind(d, query), args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return res
}

func TestInsertIgnore(t *testing.T) {
	d := openTest(t)
	mustExec(t, d, `CREATE TABLE "user" (id text PRIMARY KEY, email text, role text)`)
	mustExec(t, d, `INSERT INTO "user" VALUES ('u1', 'a@x', 'user'), ('u2', NULL, 'user'), ('u3', 'c@x', 'pending')`)
	mustExec(t, d, `CREATE TABLE "we""ird" (id text PRIMARY KEY, user_id text NOT NULL, "n?" bigint, at timestamptz, UNIQUE (user_id))`)
	sel := `SELECT ` + d.Concat(d.Cast("?", core.Text), "u.id") + `, u.id, ` + d.Cast("?", core.BigInt) + `, ` + d.Cast("?", core.Timestamp) +
		` FROM "user" u WHERE u.role <> ?`
	q := d.InsertIgnore(`we"ird`, []string{"id", "user_id", "n?", "at"}, sel)
	if n, _ := execArgs(t, d, q, "org-", int64(1)<<40, "2025-01-02T03:04:05Z", "pending").RowsAffected(); n != 2 {
		t.Fatalf("first insert: %d rows, want 2 (NULL email kept, pending left out)", n)
	}
	if n, _ := execArgs(t, d, q, "org-", int64(7), "2025-01-02T03:04:05Z", "pending").RowsAffected(); n != 0 {
		t.Fatalf("second insert: %d rows, want 0", n)
	}
	// A row conflicting on the other unique constraint is skipped too.
	if n, _ := execArgs(t, d, d.InsertIgnore(`we"ird`, []string{"id", "user_id"}, "SELECT ?, ?"), "other", "u1").RowsAffected(); n != 0 {
		t.Fatalf("a row conflicting on user_id was inserted")
	}
	var id string
	var big int64
	if err := d.DB().QueryRowContext(context.Background(), `SELECT id, "n?" FROM "we""ird" WHERE user_id = 'u2'`).Scan(&id, &big); err != nil {
		t.Fatal(err)
	}
	if id != "org-u2" || big != 1<<40 {
		t.Fatalf("row = %s %d", id, big)
	}
}
