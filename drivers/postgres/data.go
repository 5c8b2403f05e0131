package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// InsertIgnore implements driver.DataSQL. ON CONFLICT DO NOTHING without a
// target skips rows that conflict with any unique constraint or index,
// also rows a concurrent transaction inserts first. The source is not
// wrapped in a subquery: a VALUES list directly under INSERT takes the
// target columns' types for its parameters, a wrapped one would be text.
func (d *Driver) InsertIgnore(table string, cols []string, source string) string {
	return fmt.Sprintf("INSERT INTO %s (%s) %s ON CONFLICT DO NOTHING",
		d.Quote(table), driver.QuoteList(d, cols), source)
}

// Upsert implements driver.DataSQL. The WHERE compares the compare columns
// as one row with IS DISTINCT FROM, so NULLs compare as values and an
// unchanged row is left alone (its touch columns keep their value). Each
// column is compared as text: json has no equality operator, and equal
// values of every other type print alike. With no compare column nothing
// can differ, and a conflicting row is kept.
func (d *Driver) Upsert(table string, cols, key, compare, touch []string) string {
	ph := driver.ParamList(len(cols))
	head := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s)",
		d.Quote(table), driver.QuoteList(d, cols), ph, driver.QuoteList(d, key))
	if len(compare) == 0 {
		return head + " DO NOTHING"
	}
	var set, have, want []string
	for _, c := range append(append([]string{}, compare...), touch...) {
		q := d.Quote(c)
		set = append(set, q+" = EXCLUDED."+q)
	}
	for _, c := range compare {
		q := d.Quote(c)
		have = append(have, d.Quote(table)+"."+q+"::text")
		want = append(want, "EXCLUDED."+q+"::text")
	}
	return fmt.Sprintf("%s DO UPDATE SET %s WHERE (%s) IS DISTINCT FROM (%s)",
		head, strings.Join(set, ", "), strings.Join(have, ", "), strings.Join(want, ", "))
}

// Cast implements driver.DataSQL. Parameters reach the server untyped (the
// driver never prepares), so a placeholder in a SELECT list gets its type
// from the CAST.
func (d *Driver) Cast(expr string, t model.ColumnType) string {
	return "CAST(" + expr + " AS " + nativeTypes[t] + ")"
}

// Concat implements driver.DataSQL with ||, NULL when any part is NULL as on
// the other dialects. Each part is cast to text: || on two untyped
// parameters is ambiguous, and on a number it would not be a string.
func (d *Driver) Concat(exprs ...string) string {
	if len(exprs) == 0 {
		return "''"
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "CAST(" + e + " AS text)"
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// RefreshStats implements driver.StatsRefresher.
func (d *Driver) RefreshStats(table string) string { return "ANALYZE " + d.Quote(table) }

var _ driver.Excepter = (*Driver)(nil)

// Except implements driver.Excepter.
func (d *Driver) Except(left, right string) string { return left + " EXCEPT " + right }

var _ driver.ListAggregator = (*Driver)(nil)

// ListAgg implements driver.ListAggregator.
func (d *Driver) ListAgg(expr string) string { return "json_agg(" + expr + ")::text" }

var _ driver.ListBinder = (*Driver)(nil)

// InList implements driver.ListBinder: the JSON array's strings as text,
// compared with the column under its collation as an IN list's values
// are. The parameter is cast from text, so whatever the protocol sends
// for a Go string (pgx's exec mode: text), the server parses the JSON.
func (d *Driver) InList(expr string, values []string) (string, any, bool) {
	j, ok := driver.JSONStrings(values)
	if !ok {
		return "", nil, false
	}
	return expr + " IN (SELECT json_array_elements_text(CAST(CAST(? AS text) AS json)))", j, true
}

var _ driver.RowBinder = (*Driver)(nil)

// BindRows implements driver.RowBinder: json_array_elements walks the
// outer array, ->> takes each element of a row as text. The parameter is
// cast from text, as in InList.
func (d *Driver) BindRows(rows [][]string) (string, any, bool) {
	j, ok := driver.JSONTable(rows)
	if !ok {
		return "", nil, false
	}
	cols := driver.RowColumns(len(rows[0]), func(i int) string { return "r ->> " + strconv.Itoa(i) })
	return "SELECT " + cols + " FROM json_array_elements(CAST(CAST(? AS text) AS json)) AS r", j, true
}
