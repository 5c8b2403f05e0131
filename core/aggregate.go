package core

import (
	"strings"
	"unicode/utf8"
)

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
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return expr + " IN (" + ParamList(len(values)) + ")", args
}

// JSONStrings renders values as a JSON array of strings, for a
// ListBinder. ok is false when one would not come back from the
// database's JSON functions as the same bytes: invalid UTF-8 (Go's
// encoder replaces it) or a NUL (PostgreSQL's text cannot hold one,
// SQLite's functions stop at it).
func JSONStrings(values []string) (string, bool) {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range values {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return "", false
		}
		if i > 0 {
			b.WriteByte(',')
		}
		appendJSONString(&b, v)
	}
	b.WriteByte(']')
	return b.String(), true
}

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
