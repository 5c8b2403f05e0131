package core

// BindRows renders a query whose rows are rows, bound as one parameter,
// with the columns as text named c1, c2, …, when d is a RowBinder that
// can carry them (see RowBinder). ok false: insert VALUES lists instead.
func BindRows(d Driver, rows [][]string) (query string, arg any, ok bool) {
	if rb, is := d.(RowBinder); is && len(rows) > 0 {
		return rb.BindRows(rows)
	}
	return "", nil, false
}
