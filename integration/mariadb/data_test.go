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

// TestInsertIgnoreKeepsMicroseconds: a timestamp bound to InsertIgnore's
// cast placeholder reads back to the microsecond (DATETIME(6)). The rest
// of InsertIgnore is the conformance suite's.
func TestInsertIgnoreKeepsMicroseconds(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	mustExec(t, d, "CREATE TABLE gw_at (id VARCHAR(64) PRIMARY KEY, at DATETIME(6))")
	at := time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if n := rowsAffected(t, mustExec(t, d, d.InsertIgnore("gw_at", []string{"id", "at"}, "SELECT ?, "+d.Cast("?", core.Timestamp)), "a", at)); n != 1 {
		t.Fatalf("insert: %d rows", n)
	}
	var got time.Time
	if err := d.DB().QueryRowContext(context.Background(), "SELECT at FROM gw_at WHERE id = 'a'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(at) {
		t.Fatalf("at = %s, want %s", got, at)
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
