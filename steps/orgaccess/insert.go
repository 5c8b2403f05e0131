package orgaccess

import (
	"strconv"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// column is one column of rows to insert: its name, its type (what a
// value is cast to where the dialect needs it) and, for a column every row
// shares, its value.
type column struct {
	name  string
	typ   core.ColumnType
	value any
}

// insertRows renders the INSERTs of rows into table, skipping rows that
// conflict with a unique key (data.InsertIgnore). vary are the columns
// each row gives, in the rows' order, all text or JSON; fixed are the
// columns every row shares, with their values. Where the dialect binds
// rows (core.RowBinder) that is one statement of constant size whatever
// the number of rows: the rows are one parameter, the shared values a few
// more. Otherwise VALUES lists of at most maxParams parameters each.
func insertRows(s *core.Session, data core.DataSQL, table string, vary, fixed []column, rows [][]string) []core.Statement {
	cols := make([]string, 0, len(vary)+len(fixed))
	for _, c := range append(append([]column{}, vary...), fixed...) {
		cols = append(cols, c.name)
	}
	if src, arg, ok := core.BindRows(s.Driver, rows); ok {
		// A placeholder of a SELECT list has no type on PostgreSQL: each
		// is cast to its column's.
		sel := make([]string, 0, len(cols))
		args := make([]any, 0, len(fixed)+1)
		for i, c := range vary {
			sel = append(sel, asType(data, "r.c"+strconv.Itoa(i+1), c.typ))
		}
		for _, c := range fixed {
			sel = append(sel, data.Cast("?", c.typ))
			args = append(args, c.value)
		}
		args = append(args, arg)
		return []core.Statement{{
			SQL:  data.InsertIgnore(table, cols, "SELECT "+strings.Join(sel, ", ")+" FROM ("+src+") AS r"),
			Args: args,
		}}
	}
	// A VALUES list directly under INSERT takes the columns' types for its
	// parameters; the JSON ones need a cast from text on PostgreSQL.
	ph := make([]string, 0, len(cols))
	for _, c := range vary {
		ph = append(ph, asType(data, "?", c.typ))
	}
	for range fixed {
		ph = append(ph, "?")
	}
	row := "(" + strings.Join(ph, ", ") + ")"
	var stmts []core.Statement
	for _, part := range chunk(rows, maxParams/len(cols)) {
		values := make([]string, len(part))
		args := make([]any, 0, len(part)*len(cols))
		for i, r := range part {
			values[i] = row
			for _, v := range r {
				args = append(args, v)
			}
			for _, c := range fixed {
				args = append(args, c.value)
			}
		}
		stmts = append(stmts, core.Statement{SQL: data.InsertIgnore(table, cols, "VALUES "+strings.Join(values, ", ")), Args: args})
	}
	return stmts
}

// asType renders expr, a text value, as a value of typ: JSON is cast
// (PostgreSQL's json columns take no text without one), text is as is.
func asType(data core.DataSQL, expr string, typ core.ColumnType) string {
	if typ == core.JSON {
		return data.Cast(expr, core.JSON)
	}
	return expr
}
