//go:build integration

package scenarios_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// snapshot is everything a database holds, as far as the scenarios care:
// the description of every table, index and view, and every row of every
// table, each value spelt exactly (type and bytes), keyed by primary key.
type snapshot struct {
	objects map[string]string // "table x" / "index y" / "view z" → description
	tables  map[string]*tableRows
}

// tableRows are the rows of one table, read in primary-key order.
type tableRows struct {
	columns []string
	keys    []string            // primary keys (keyText, joined by |), in order
	rows    map[string][]string // primary key → values, one per column
}

// checksum is the SHA-256 of the table's rows in key order.
func (tr *tableRows) checksum() string {
	h := sha256.New()
	for _, k := range tr.keys {
		fmt.Fprintf(h, "%s\x00%s\n", k, strings.Join(tr.rows[k], "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// takeSnapshot reads the catalog and every row of every table.
func takeSnapshot(t testing.TB, d core.Driver) *snapshot {
	t.Helper()
	ctx := context.Background()
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	s := &snapshot{objects: map[string]string{}, tables: map[string]*tableRows{}}
	for name, tb := range cat.Tables {
		var cols, pk []string
		desc := make([]string, 0, len(tb.Columns))
		for _, c := range tb.Columns {
			cols = append(cols, c.Name)
			if c.PrimaryKey {
				pk = append(pk, c.Name)
			}
			desc = append(desc, fmt.Sprintf("%s %s notnull=%t pk=%t default=%s", c.Name, c.Type, c.NotNull, c.PrimaryKey, c.Default))
		}
		s.objects["table "+name] = strings.Join(desc, "; ")
		s.tables[name] = readRows(t, d, name, cols, pk)
	}
	for name, ix := range cat.Indexes {
		s.objects["index "+name] = fmt.Sprintf("on %s (%s) unique=%t constraint=%t", ix.Table, strings.Join(ix.Columns, ", "), ix.Unique, ix.Constraint)
	}
	for name, v := range cat.Views {
		s.objects["view "+name] = v.Definition
	}
	return s
}

func readRows(t testing.TB, d core.Driver, table string, cols, pk []string) *tableRows {
	t.Helper()
	order := pk
	if len(order) == 0 {
		order = cols
	}
	q := "SELECT " + core.QuoteList(d, cols) + " FROM " + d.Quote(table) + " ORDER BY " + core.QuoteList(d, order)
	rows, err := d.DB().DB.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	tr := &tableRows{columns: cols, rows: map[string][]string{}}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		row := make([]string, len(cols))
		var key []string
		for i, v := range vals {
			row[i] = exact(v)
			if slices.Contains(pk, cols[i]) {
				key = append(key, keyText(v))
			}
		}
		k := strings.Join(key, "|")
		if len(pk) == 0 {
			k = strings.Join(row, "|")
		}
		for tr.rows[k] != nil { // duplicate rows of a table without a key
			k += "'"
		}
		tr.keys = append(tr.keys, k)
		tr.rows[k] = row
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return tr
}

// keyText spells a key value as plain text, whatever type the driver
// scanned it as (MySQL's driver gives text as bytes), so keys can be named
// the same on every dialect.
func keyText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// exact spells a value with its type, byte for byte.
func exact(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return "bytes:" + hex.EncodeToString(x)
	case string:
		return "text:" + strconv.Quote(x)
	case float64:
		return "real:" + strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return "real32:" + strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		return "time:" + x.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// rowChange allows one pre-existing row's columns to change.
type rowChange struct {
	table, key string
	columns    []string
}

// keptRows lists how the pre-existing rows of before fared in after: every
// row must still be there, every value byte for byte, except the columns
// that allowed names for that row. Rows added in after are fine. Columns
// added to a table are ignored (only the columns before had are compared).
func keptRows(before, after *snapshot, allowed ...rowChange) []string {
	var problems []string
	for _, table := range slices.Sorted(maps.Keys(before.tables)) {
		b := before.tables[table]
		a := after.tables[table]
		if a == nil {
			problems = append(problems, fmt.Sprintf("table %s is gone", table))
			continue
		}
		index := map[string]int{}
		for i, c := range a.columns {
			index[c] = i
		}
		for _, c := range b.columns {
			if _, ok := index[c]; !ok {
				problems = append(problems, fmt.Sprintf("column %s.%s is gone", table, c))
			}
		}
		for _, k := range b.keys {
			ar, ok := a.rows[k]
			if !ok {
				problems = append(problems, fmt.Sprintf("row %s of %s is gone", k, table))
				continue
			}
			for i, c := range b.columns {
				j, ok := index[c]
				if !ok || ar[j] == b.rows[k][i] || isAllowed(allowed, table, k, c) {
					continue
				}
				problems = append(problems, fmt.Sprintf("row %s of %s: %s changed from %s to %s", k, table, c, b.rows[k][i], ar[j]))
			}
		}
	}
	return problems
}

func isAllowed(allowed []rowChange, table, key, column string) bool {
	for _, a := range allowed {
		if a.table == table && a.key == key && slices.Contains(a.columns, column) {
			return true
		}
	}
	return false
}

// unchanged lists every difference between two snapshots: objects and rows.
func unchanged(before, after *snapshot) []string {
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(before.objects)) {
		switch a, ok := after.objects[name]; {
		case !ok:
			problems = append(problems, name+" is gone")
		case a != before.objects[name]:
			problems = append(problems, fmt.Sprintf("%s changed: %s → %s", name, before.objects[name], a))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(after.objects)) {
		if _, ok := before.objects[name]; !ok {
			problems = append(problems, name+" appeared")
		}
	}
	problems = append(problems, keptRows(before, after)...)
	for table, a := range after.tables {
		if b := before.tables[table]; b != nil && len(a.keys) != len(b.keys) {
			problems = append(problems, fmt.Sprintf("table %s has %d rows, had %d", table, len(a.keys), len(b.keys)))
		}
	}
	return problems
}

// checksums renders each table's row count and checksum, for the log.
func (s *snapshot) checksums(tables ...string) string {
	var out []string
	for _, name := range tables {
		if tr := s.tables[name]; tr != nil {
			out = append(out, fmt.Sprintf("%s=%d rows/%s", name, len(tr.keys), tr.checksum()))
		}
	}
	return strings.Join(out, " ")
}

// without removes a table and its indexes from the snapshot.
func (s *snapshot) without(table string) *snapshot {
	delete(s.tables, table)
	delete(s.objects, "table "+table)
	for name, def := range s.objects {
		if strings.HasPrefix(name, "index ") && strings.HasPrefix(def, "on "+table+" (") {
			delete(s.objects, name)
		}
	}
	return s
}
