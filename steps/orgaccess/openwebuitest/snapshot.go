package openwebuitest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

var createTable = regexp.MustCompile(`(?m)^CREATE TABLE (?:IF NOT EXISTS )?(?:public\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?`)

// Tables lists the tables of a generation's schema: the host's own, which
// the pack must never change beyond what it is meant to write.
func Tables(dialect, generation string) ([]string, error) {
	text, err := Schema(dialect, generation)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range createTable.FindAllStringSubmatch(text, -1) {
		if generation == V0_8_Like && m[1] == "config_old" {
			continue // renamed to config
		}
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out, nil
}

// Snapshot is every row of every host table, each rendered as one line of
// its columns' names, Go types and values, sorted: two snapshots are equal
// when the tables hold the same bytes.
type Snapshot map[string][]string

// TakeSnapshot reads every host table of a generation.
func TakeSnapshot(ctx context.Context, db *sql.DB, dialect, generation string) (Snapshot, error) {
	tables, err := Tables(dialect, generation)
	if err != nil {
		return nil, err
	}
	snap := Snapshot{}
	for _, t := range tables {
		lines, err := readTable(ctx, db, t)
		if err != nil {
			return nil, fmt.Errorf("openwebuitest: snapshot %s: %w", t, err)
		}
		snap[t] = lines
	}
	return snap, nil
}

func readTable(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	lines := []string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = c + "=" + render(vals[i])
		}
		lines = append(lines, strings.Join(parts, "\x1f"))
	}
	sort.Strings(lines)
	return lines, rows.Err()
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return "bytes:" + hex.EncodeToString(x)
	case string:
		return "text:" + x
	case time.Time:
		return "time:" + x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// Checksums is a SHA-256 of each table's rows.
func (s Snapshot) Checksums() map[string]string {
	out := make(map[string]string, len(s))
	for t, lines := range s {
		h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[t] = hex.EncodeToString(h[:])
	}
	return out
}

// Rows counts the rows of every table.
func (s Snapshot) Rows() int {
	n := 0
	for _, lines := range s {
		n += len(lines)
	}
	return n
}

// Diff says how after differs from s, table by table: the rows only in s
// (lost or changed) and the rows only in after (added or changed).
func (s Snapshot) Diff(after Snapshot) map[string]TableDiff {
	out := map[string]TableDiff{}
	for t := range union(s, after) {
		var d TableDiff
		d.Removed = minus(s[t], after[t])
		d.Added = minus(after[t], s[t])
		if len(d.Removed) > 0 || len(d.Added) > 0 {
			out[t] = d
		}
	}
	return out
}

// TableDiff is what changed in one table.
type TableDiff struct {
	Removed, Added []string
}

func union(a, b Snapshot) map[string]bool {
	out := map[string]bool{}
	for t := range a {
		out[t] = true
	}
	for t := range b {
		out[t] = true
	}
	return out
}

func minus(a, b []string) []string {
	have := map[string]int{}
	for _, l := range b {
		have[l]++
	}
	var out []string
	for _, l := range a {
		if have[l] > 0 {
			have[l]--
			continue
		}
		out = append(out, l)
	}
	return out
}

// AddedIDs are the id column values of the rows only in after, sorted.
func (d TableDiff) AddedIDs() []string { return ids(d.Added) }

// RemovedIDs are the id column values of the rows only in before, sorted.
func (d TableDiff) RemovedIDs() []string { return ids(d.Removed) }

func ids(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, part := range strings.Split(l, "\x1f") {
			if v, ok := strings.CutPrefix(part, "id=text:"); ok {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}
