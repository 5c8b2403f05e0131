package core

// InList renders "expr IN …" for values, as one bound parameter when d is
// a ListBinder that can carry them, else as "expr IN (?, ?, …)" with one
// argument per value. A caller that bounds the parameters of a statement
// checks len(args), not len(values).
func InList(d Driver, expr string, values []string) (string, []any) {
	if lb, ok := d.(ListBinder); ok && len(values) > 0 {
		if pred, arg, ok := lb.InList(expr, values); ok {
			return pred, []any{arg}
		}
	}
	return ParamIn(expr, values)
}

// ParamIn renders "expr IN (?, ?, …)" with one argument per value, the
// form every dialect takes: for a caller that splits a list into parts
// that each must fit a statement's parameters.
func ParamIn(expr string, values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return expr + " IN (" + ParamList(len(values)) + ")", args
}
