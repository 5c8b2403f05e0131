package sqlite

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// InsertIgnore implements driver.DataSQL. The WHERE true is not decoration:
// SQLite's parser needs it to read ON CONFLICT after INSERT … SELECT.
func (d *Driver) InsertIgnore(table string, cols []string, source string) string {
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM (%s) WHERE true ON CONFLICT DO NOTHING",
		d.Quote(table), driver.QuoteList(d, cols), source)
}

// Cast implements driver.DataSQL: SQLite converts by the column's affinity
// on insert, so no cast is needed.
func (d *Driver) Cast(expr string, _ model.ColumnType) string { return expr }

// Concat implements driver.DataSQL.
func (d *Driver) Concat(exprs ...string) string { return "(" + strings.Join(exprs, " || ") + ")" }

// Upsert implements driver.DataSQL.
func (d *Driver) Upsert(table string, cols, key, compare, touch []string) string {
	ph := driver.ParamList(len(cols))
	var set, differs []string
	for _, c := range append(append([]string{}, compare...), touch...) {
		q := d.Quote(c)
		set = append(set, q+" = excluded."+q)
	}
	for _, c := range compare {
		q := d.Quote(c)
		differs = append(differs, d.Quote(table)+"."+q+" IS NOT excluded."+q)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s WHERE %s",
		d.Quote(table), driver.QuoteList(d, cols), ph, driver.QuoteList(d, key),
		strings.Join(set, ", "), strings.Join(differs, " OR "))
}

// RefreshStats implements driver.StatsRefresher. analysis_limit makes
// ANALYZE look at about 1,000 rows of each index instead of all of them
// (SQLite 3.32+, the estimate its own PRAGMA optimize uses is 400): a full
// ANALYZE of a million members held the write lock for seconds, past the
// busy timeout of the application waiting to write.
func (d *Driver) RefreshStats(table string) string {
	return "PRAGMA analysis_limit = 1000; ANALYZE " + d.Quote(table)
}

var (
	_ driver.Excepter     = (*Driver)(nil)
	_ driver.SingleWriter = (*Driver)(nil)
)

// WriterGap implements driver.SingleWriter: 250 ms, above the 100 ms an
// SQLite busy handler sleeps between its tries, so an application
// waiting for the write lock gets it between two batches.
func (d *Driver) WriterGap() time.Duration { return 250 * time.Millisecond }

// Except implements driver.Excepter.
func (d *Driver) Except(left, right string) string { return left + " EXCEPT " + right }

var _ driver.ListAggregator = (*Driver)(nil)

// ListAgg implements driver.ListAggregator (SQLite's JSON functions are
// built in since 3.38).
func (d *Driver) ListAgg(expr string) string { return "json_group_array(" + expr + ")" }

var _ driver.ListBinder = (*Driver)(nil)

// InList implements driver.ListBinder: json_each's value column is the
// array's strings as TEXT, compared with the column as an IN list's
// values are.
func (d *Driver) InList(expr string, values []string) (string, any, bool) {
	j, ok := driver.JSONStrings(values)
	if !ok {
		return "", nil, false
	}
	return expr + " IN (SELECT value FROM json_each(?))", j, true
}

var _ driver.RowBinder = (*Driver)(nil)

// BindRows implements driver.RowBinder: json_each walks the outer array,
// ->> takes each element of a row as TEXT.
func (d *Driver) BindRows(rows [][]string) (string, any, bool) {
	j, ok := driver.JSONTable(rows)
	if !ok {
		return "", nil, false
	}
	cols := driver.RowColumns(len(rows[0]), func(i int) string { return "value ->> " + strconv.Itoa(i) })
	return "SELECT " + cols + " FROM json_each(?)", j, true
}
