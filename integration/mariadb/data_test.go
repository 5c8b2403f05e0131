//go:build integration

package mariadb_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

func rowsAffected(t *testing.T, res sql.Result) int64 {
	t.Helper()
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsertIgnore(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	mustExec(t, d, "CREATE TABLE `user` (id VARCHAR(64) PRIMARY KEY, email TEXT, role TEXT)")
	mustExec(t, d, "INSERT INTO `user` VALUES ('u1', 'a@x', 'user'), ('u2', NULL, 'user'), ('u3', 'c@x', 'pending')")
	mustExec(t, d, "CREATE TABLE `we\"ird` (id VARCHAR(255) PRIMARY KEY, user_id VARCHAR(64) NOT NULL, `n?` BIGINT, at DATETIME(6), UNIQUE (user_id))")
	sel := "SELECT " + d.Concat(d.Cast("?", core.Text), "u.id") + " AS id, u.id AS user_id, " + d.Cast("?", core.BigInt) + ", " + d.Cast("?", core.Timestamp) +
		" FROM `user` u WHERE u.role <> ?"
	q := d.InsertIgnore(`we"ird`, []string{"id", "user_id", "n?", "at"}, sel)
	at := time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if n := rowsAffected(t, mustExec(t, d, q, "org-", int64(1)<<40, at, "pending")); n != 2 {
		t.Fatalf("first insert: %d rows, want 2 (NULL email kept, pending left out)", n)
	}
	if n := rowsAffected(t, mustExec(t, d, q, "org-", int64(7), at, "pending")); n != 0 {
		t.Fatalf("second insert: %d rows, want 0", n)
	}
	// A row conflicting on the other unique key is skipped too.
	if n := rowsAffected(t, mustExec(t, d, d.InsertIgnore(`we"ird`, []string{"id", "user_id"}, "SELECT ?, ?"), "other", "u1")); n != 0 {
		t.Fatalf("a row conflicting on user_id was inserted")
	}
	var id string
	var big int64
	var got time.Time
	if err := d.DB().QueryRowContext(context.Background(), "SELECT id, `n?`, at FROM `we\"ird` WHERE user_id = 'u2'").Scan(&id, &big, &got); err != nil {
		t.Fatal(err)
	}
	if id != "org-u2" || big != 1<<40 || !got.Equal(at) {
		t.Fatalf("row = %s %d %s", id, big, got)
	}
	// Unlike INSERT IGNORE, other errors are errors: a NULL in a NOT NULL
	// column is not stored as an empty string.
	_, err := d.DB().DB.ExecContext(context.Background(), d.InsertIgnore(`we"ird`, []string{"id", "user_id"}, "VALUES (?, ?)"), "x", nil)
	if err == nil || !strings.Contains(err.Error(), "cannot be null") {
		t.Fatalf("a NULL in a NOT NULL column: %v, want an error", err)
	}
}

// TestCastsAndConcat runs every rendering of DataSQL on the server.
func TestCastsAndConcat(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	var (
		text, joined, nullJoin   sql.NullString
		big, integer, boolean    int64
		real                     float64
		ts                       time.Time
		day                      time.Time
		fromColumn, jsonAsString string
	)
	mustExec(t, d, "CREATE TABLE config (id INT PRIMARY KEY, data JSON)")
	mustExec(t, d, "INSERT INTO config VALUES (1, "+d.Cast("?", core.JSON)+")", `{"a": [1, "ü"]}`)
	err := d.DB().DB.QueryRowContext(context.Background(), "SELECT "+strings.Join([]string{
		d.Cast("?", core.Text), d.Concat("?", d.Cast("?", core.Integer)), d.Concat("?", "NULL"),
		d.Cast("?", core.BigInt), d.Cast("?", core.Integer), d.Cast("?", core.Boolean), d.Cast("?", core.Real),
		d.Cast("?", core.Timestamp), d.Cast("?", core.Date),
		d.Cast("(SELECT id FROM config)", core.Text), d.Cast("(SELECT data FROM config)", core.Text),
	}, ", "), "plain", "n=", "42", "x", "9007199254740993", "-5", true, "1.3", "2025-01-02 03:04:05.5", "2025-01-02").
		Scan(&text, &joined, &nullJoin, &big, &integer, &boolean, &real, &ts, &day, &fromColumn, &jsonAsString)
	if err != nil {
		t.Fatal(err)
	}
	if text.String != "plain" || joined.String != "n=42" || nullJoin.Valid {
		t.Errorf("text %v, concat %v, concat with NULL %v", text, joined, nullJoin)
	}
	if big != 9007199254740993 || integer != -5 || boolean != 1 || real != 1.3 {
		t.Errorf("numbers: %d %d %d %v", big, integer, boolean, real)
	}
	if !ts.Equal(time.Date(2025, 1, 2, 3, 4, 5, 5e8, time.UTC)) || day.Format(time.DateOnly) != "2025-01-02" {
		t.Errorf("times: %s %s", ts, day)
	}
	if fromColumn != "1" || !strings.Contains(jsonAsString, `"ü"`) {
		t.Errorf("column cast to text: %q %q", fromColumn, jsonAsString)
	}
}
