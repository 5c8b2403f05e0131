package mysql

import (
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/groundworkdb/groundwork/model"
)

// InsertIgnore implements driver.DataSQL with INSERT … ON DUPLICATE KEY
// UPDATE c = c, the first column set to itself: a row conflicting with
// any primary key or unique index is left as it is (and counts 0 rows
// affected), also a row a concurrent session inserts first. Not INSERT
// IGNORE: it turns every other error into a warning too, so a NULL in a
// NOT NULL column would be stored as an empty string or 0, a value too
// long would be cut, and a row breaking a foreign key would be skipped in
// silence. The column is qualified with the table: a SELECT source may
// have a column of the same name, which would make it ambiguous.
func (d *Driver) InsertIgnore(table string, cols []string, source string) string {
	self := d.Quote(table) + "." + d.Quote(cols[0])
	return fmt.Sprintf("INSERT INTO %s (%s) %s ON DUPLICATE KEY UPDATE %s = %s",
		d.Quote(table), driver.QuoteList(d, cols), source, self, self)
}

// Upsert implements driver.DataSQL. MySQL assigns ON DUPLICATE KEY UPDATE
// left to right, each assignment seeing the ones before it, so the touch
// columns come first, each set only when a compare column differs (the
// compare columns still hold their old values there), then the compare
// columns, set unconditionally: when none differs that writes each its
// own value, which changes nothing. Columns are compared as binary
// strings with <=>, so NULLs compare as values and a change of case
// counts (the default collations ignore case). The conflict is on any
// unique key, not only key: the caller checks beforehand that the row's
// other unique values are not another row's. With no compare column
// nothing can differ, and a conflicting row is kept.
func (d *Driver) Upsert(table string, cols, key, compare, touch []string) string {
	ph := driver.ParamList(len(cols))
	head := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON DUPLICATE KEY UPDATE ",
		d.Quote(table), driver.QuoteList(d, cols), ph)
	qualified := func(c string) string { return d.Quote(table) + "." + d.Quote(c) }
	if len(compare) == 0 {
		k := qualified(key[0])
		return head + k + " = " + k
	}
	same := make([]string, len(compare))
	for i, c := range compare {
		same[i] = fmt.Sprintf("CAST(%s AS BINARY) <=> CAST(VALUES(%s) AS BINARY)", qualified(c), d.Quote(c))
	}
	differs := "NOT (" + strings.Join(same, " AND ") + ")"
	set := make([]string, 0, len(touch)+len(compare))
	for _, c := range touch {
		set = append(set, fmt.Sprintf("%s = IF(%s, VALUES(%s), %s)", qualified(c), differs, d.Quote(c), qualified(c)))
	}
	for _, c := range compare {
		set = append(set, fmt.Sprintf("%s = VALUES(%s)", qualified(c), d.Quote(c)))
	}
	return head + strings.Join(set, ", ")
}

// castTypes are the CAST targets of the portable types. MariaDB has no
// CAST AS JSON, and neither server needs one: a string is stored into a
// JSON column as the document it spells (see Cast).
var castTypes = map[model.ColumnType]string{
	model.Text:      "CHAR",
	model.Integer:   "SIGNED",
	model.BigInt:    "SIGNED",
	model.Boolean:   "SIGNED",
	model.Real:      "DOUBLE",
	model.Timestamp: "DATETIME(6)",
	model.Date:      "DATE",
}

// Cast implements driver.DataSQL. A parameter needs no cast on MySQL: it
// carries the type of its Go value. A placeholder cast to text or JSON is
// therefore left bare, and so is any JSON expression: CAST(? AS CHAR)
// would give it the connection's collation with the coercibility of a
// column, and CONCAT with a column of another collation fails on MySQL 8
// ("illegal mix of collations"). Other casts are CAST(… AS SIGNED /
// DOUBLE / CHAR / DATETIME(6) / DATE); CAST AS DOUBLE needs MySQL 8.0.17+.
func (d *Driver) Cast(expr string, t model.ColumnType) string {
	if t == model.JSON || t == model.Text && strings.TrimSpace(expr) == "?" {
		return expr
	}
	return "CAST(" + expr + " AS " + castTypes[t] + ")"
}

// Concat implements driver.DataSQL with CONCAT(), NULL when any part is
// NULL as on the other dialects.
func (d *Driver) Concat(exprs ...string) string {
	if len(exprs) == 0 {
		return "''"
	}
	return "CONCAT(" + strings.Join(exprs, ", ") + ")"
}

// RefreshStats implements driver.StatsRefresher.
func (d *Driver) RefreshStats(table string) string { return "ANALYZE TABLE " + d.Quote(table) }
