package core

import (
	"strconv"
	"strings"
)

// Placeholders is optional for a Driver: it renders the n-th (1-based)
// bind placeholder in the dialect's native style. Without it, "?" is used.
type Placeholders interface {
	Placeholder(n int) string
}

// scanPlaceholders calls emit for every text run and every "?" that stands
// outside quotes and comments, so a name like "we?ird" or a literal '?'
// is never taken for a parameter.
func scanPlaceholders(query string, text func(string), param func()) {
	start := 0
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '\'', '"', '`':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				for i < len(query) && query[i] != '\n' {
					i++
				}
			}
		case '?':
			text(query[start:i])
			param()
			start = i + 1
		}
	}
	text(query[start:])
}

// Rebind rewrites "?" placeholders to the driver's native style.
func Rebind(d Driver, query string) string {
	p, ok := d.(Placeholders)
	if !ok {
		return query
	}
	var b strings.Builder
	n := 0
	scanPlaceholders(query, func(s string) { b.WriteString(s) }, func() {
		n++
		b.WriteString(p.Placeholder(n))
	})
	return b.String()
}

// Display renders a statement for people: arguments inlined as literals
// of the dialect, secrets as '***', on one line.
func Display(d Driver, st Statement) string {
	if len(st.Args) == 0 {
		return oneLine(st.SQL)
	}
	gen := d.DB().QueryGen()
	args := displayArgs(st.Args)
	var b []byte
	n := 0
	scanPlaceholders(st.SQL, func(s string) { b = append(b, s...) }, func() {
		if n < len(args) {
			b = gen.Append(b, args[n])
		} else {
			b = append(b, "?"+strconv.Itoa(n+1)...)
		}
		n++
	})
	return oneLine(string(b))
}
