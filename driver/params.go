package driver

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/model"
)

// ParamList renders n placeholders, "?, ?, ?", for an IN list or a VALUES
// row whose values are bound.
func ParamList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// QuoteList quotes each identifier and joins them with ", ".
func QuoteList(q model.Quoter, idents []string) string {
	out := make([]string, len(idents))
	for i, id := range idents {
		out[i] = q.Quote(id)
	}
	return strings.Join(out, ", ")
}

// JSONStrings renders values as a JSON array of strings, for a
// ListBinder. ok is false when one would not come back from the
// database's JSON functions as the same bytes: invalid UTF-8 (Go's
// encoder replaces it) or a NUL (PostgreSQL's text cannot hold one,
// SQLite's functions stop at it).
func JSONStrings(values []string) (string, bool) {
	var b strings.Builder
	if !appendJSONArray(&b, values) {
		return "", false
	}
	return b.String(), true
}

// appendJSONArray writes values as a JSON array of strings, and reports
// false at the first value JSONStrings refuses.
func appendJSONArray(b *strings.Builder, values []string) bool {
	b.WriteByte('[')
	for i, v := range values {
		if !jsonSafe(v) {
			return false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		appendJSONString(b, v)
	}
	b.WriteByte(']')
	return true
}

// jsonSafe tells whether v comes back from the database's JSON functions
// as the same bytes (see JSONStrings).
func jsonSafe(v string) bool { return utf8.ValidString(v) && strings.IndexByte(v, 0) < 0 }

// appendJSONString writes v as a JSON string: '"' and '\' escaped, control
// characters as \u00XX, everything else as is (valid UTF-8, checked by
// the caller). Written by hand: encoding/json would also escape <, > and
// &, and allocate per value.
func appendJSONString(b *strings.Builder, v string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// JSONTable renders rows as a JSON array of arrays of strings, for a
// RowBinder; every row has the first row's number of columns. ok is false
// when there are no rows, the rows differ in length, or a value would not
// come back the same (JSONStrings' rules).
func JSONTable(rows [][]string) (string, bool) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, row := range rows {
		if len(row) != len(rows[0]) {
			return "", false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if !appendJSONArray(&b, row) {
			return "", false
		}
	}
	b.WriteByte(']')
	return b.String(), true
}

// RowColumns renders the select list of a RowBinder's query: "e(0) AS c1,
// e(1) AS c2, …" for n columns, e rendering the dialect's element access.
func RowColumns(n int, e func(i int) string) string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = e(i) + " AS c" + strconv.Itoa(i+1)
	}
	return strings.Join(cols, ", ")
}
