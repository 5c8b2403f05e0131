package core

import (
	"strconv"
	"strings"
)

// scanPlaceholders calls text for every run of text and param for every
// "?" that stands outside string literals, quoted identifiers and
// comments, so a name like "we?ird" or a literal '?' is never taken for a
// parameter. It knows the quoting of every supported dialect: '…', "…"
// and `…` with the quote doubled inside, PostgreSQL's E'…' (backslash
// escapes) and $tag$…$tag$ dollar quotes, -- line and /* … */ (nested)
// block comments. A "?" anywhere else is a parameter, PostgreSQL's jsonb
// operators ?, ?| and ?& included: spell those jsonb_exists,
// jsonb_exists_any and jsonb_exists_all in a statement with parameters.
func scanPlaceholders(query string, text func(string), param func()) {
	start := 0
	for i := 0; i < len(query); i++ {
		switch c := query[i]; {
		case c == '\'' && i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') && (i == 1 || !identByte(query[i-2])):
			i = skipEscapedString(query, i)
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(query, i, c)
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			for i < len(query) && query[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			i = skipBlockComment(query, i)
		case c == '$' && (i == 0 || !identByte(query[i-1])):
			i = skipDollarQuoted(query, i)
		case c == '?':
			text(query[start:i])
			param()
			start = i + 1
		}
	}
	text(query[start:])
}

// skipQuoted returns the index of the quote closing the quoted text that
// starts at i (a doubled quote stands for itself), or the last index.
func skipQuoted(query string, i int, q byte) int {
	j := i + 1
	for j < len(query) {
		if query[j] == q {
			if j+1 < len(query) && query[j+1] == q {
				j += 2
				continue
			}
			return j
		}
		j++
	}
	return len(query) - 1
}

// skipEscapedString is skipQuoted for E'…', where a backslash escapes the
// byte after it.
func skipEscapedString(query string, i int) int {
	for j := i + 1; j < len(query); j++ {
		switch query[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(query) && query[j+1] == '\'' {
				j++
				continue
			}
			return j
		}
	}
	return len(query) - 1
}

// skipBlockComment returns the index of the "/" closing the comment that
// starts at i; comments nest, as in PostgreSQL.
func skipBlockComment(query string, i int) int {
	depth := 0
	for j := i; j+1 < len(query); j++ {
		switch {
		case query[j] == '/' && query[j+1] == '*':
			depth++
			j++
		case query[j] == '*' && query[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j
			}
		}
	}
	return len(query) - 1
}

// skipDollarQuoted returns the index of the last "$" of the dollar-quoted
// string ($$…$$ or $tag$…$tag$) that starts at i, or i when the "$" starts
// none (a positional parameter such as $1, for one).
func skipDollarQuoted(query string, i int) int {
	j := i + 1
	for j < len(query) && identByte(query[j]) && query[j] != '$' && (j > i+1 || query[j] < '0' || query[j] > '9') {
		j++
	}
	if j >= len(query) || query[j] != '$' {
		return i
	}
	tag := query[i : j+1]
	end := strings.Index(query[j+1:], tag)
	if end < 0 {
		return len(query) - 1
	}
	return j + end + len(tag)
}

// identByte reports whether b can continue an unquoted identifier (or a
// keyword): then a following "$" or "'" does not open a quote.
func identByte(b byte) bool {
	return b == '_' || b == '$' || b >= 0x80 || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
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
