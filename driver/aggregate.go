package driver

// ListAggregator is optional for a DataSQL: ListAgg renders an aggregate
// of expr over the rows of a query as one JSON array of strings, or NULL
// (or "[]") when there are none. A check that must know whether every
// item of a list it learns only from another read is there (a model list
// parsed from the host's config) reads the set in the same round as that
// read, instead of counting the list's items in the next one. Without it
// the check counts, one round trip later.
type ListAggregator interface {
	ListAgg(expr string) string
}

// ListBinder is optional for a DataSQL: InList renders the predicate
// "expr IN <values>" with the values bound as one parameter (a JSON array
// the dialect's JSON functions unpack), and returns that parameter. A
// check of 1,000 models then sends one placeholder instead of 1,000: the
// database parses, plans and binds one parameter (modernc.org/sqlite binds
// each "?" by scanning every argument, and allocates a program that grows
// with the list), and the statement fits in one round trip whatever the
// list's length. ok is false when the values cannot be carried exactly
// that way (see JSONStrings): the caller then binds one placeholder per
// value, as without the hook (InList does both). The comparison is the
// one of an IN list: the column's collation decides.
type ListBinder interface {
	InList(expr string, values []string) (pred string, arg any, ok bool)
}

// RowBinder is optional for a DataSQL: BindRows renders a query whose
// rows are rows, bound as one parameter (a JSON array of arrays of
// strings, see JSONTable, that the dialect's JSON functions unpack), with
// the columns as text named c1, c2, …, and returns that parameter. An
// INSERT of 1,000 rows is then one statement of constant size with one
// placeholder, instead of VALUES lists that grow with the rows: nothing
// for the database to parse and plan per row, and one round trip on the
// wire instead of one per 1,000 parameters. ok is false when the values
// cannot be carried exactly that way (JSONTable's rules) or there are no
// rows: the caller then inserts VALUES lists, as without the hook.
type RowBinder interface {
	BindRows(rows [][]string) (query string, arg any, ok bool)
}
