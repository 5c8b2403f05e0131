package core

import (
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// dollarRebind is Rebind for a driver whose placeholders are $1, $2, …
// (PostgreSQL's), without needing one.
func dollarRebind(query string) (string, int) {
	var b strings.Builder
	n := 0
	scanPlaceholders(query, func(s string) { b.WriteString(s) }, func() {
		n++
		b.WriteString("$" + strconv.Itoa(n))
	})
	return b.String(), n
}

// token is one piece of a generated statement: its SQL and what Rebind
// must turn it into (a parameter becomes $n, everything else stays).
type token struct {
	sql   string
	param bool
}

// noisy is text full of what a scanner could mistake for a placeholder,
// a quote or a comment.
var noisy = rapid.StringOfN(rapid.SampledFrom([]rune{
	'?', '\'', '"', '`', '$', '\\', '-', '/', '*', 'E', 'e', 'a', '1', '_', ' ', '\n', 'é', '模',
}), 0, 12, -1)

// tokenGen draws one token: a parameter, plain text, or a quoted or
// commented construct whose content is noisy but correctly escaped.
var tokenGen = rapid.Custom(func(t *rapid.T) token {
	switch rapid.IntRange(0, 8).Draw(t, "kind") {
	case 0:
		return token{sql: "?", param: true}
	case 1:
		return token{sql: rapid.StringOfN(rapid.SampledFrom([]rune("abc xyz0123456789_,()=.*+<>\t")), 1, 10, -1).Draw(t, "plain")}
	case 2:
		return token{sql: "'" + strings.ReplaceAll(noisy.Draw(t, "lit"), "'", "''") + "'"}
	case 3:
		s := strings.ReplaceAll(noisy.Draw(t, "elit"), `\`, `\\`)
		if rapid.Bool().Draw(t, "backslashQuote") {
			s = strings.ReplaceAll(s, "'", `\'`)
		} else {
			s = strings.ReplaceAll(s, "'", "''")
		}
		return token{sql: rapid.SampledFrom([]string{"E", "e"}).Draw(t, "E") + "'" + s + "'"}
	case 4:
		tag := rapid.SampledFrom([]string{"", "x", "tag_1", "é"}).Draw(t, "tag")
		body := noisy.Draw(t, "dollar")
		if strings.Index(body+"$"+tag+"$", "$"+tag+"$") < len(body) {
			body = strings.ReplaceAll(body, "$", "") // it would end the quote early
		}
		return token{sql: "$" + tag + "$" + body + "$" + tag + "$"}
	case 5:
		return token{sql: `"` + strings.ReplaceAll(noisy.Draw(t, "ident"), `"`, `""`) + `"`}
	case 6:
		return token{sql: "`" + strings.ReplaceAll(noisy.Draw(t, "bident"), "`", "``") + "`"}
	case 7:
		return token{sql: "--" + strings.ReplaceAll(noisy.Draw(t, "line"), "\n", " ") + "\n"}
	default:
		body := noisy.Draw(t, "block")
		for strings.Contains(body, "*/") || strings.Contains(body, "/*") || strings.HasSuffix(body, "/") || strings.HasSuffix(body, "*") {
			body = strings.NewReplacer("*/", "", "/*", "").Replace(strings.TrimRight(body, "/*"))
		}
		if rapid.Bool().Draw(t, "nested") {
			body += "/* inner ? */"
		}
		return token{sql: "/*" + body + "*/"}
	}
})

// checkRebind is the property: placeholders are exactly the parameter
// tokens, in order, and nothing else changes.
func checkRebind(t *rapid.T) {
	toks := rapid.SliceOfN(tokenGen, 0, 12).Draw(t, "tokens")
	var in, want []string
	n := 0
	for _, tk := range toks {
		in = append(in, tk.sql)
		if tk.param {
			n++
			want = append(want, "$"+strconv.Itoa(n))
		} else {
			want = append(want, tk.sql)
		}
	}
	// Tokens are separated by a space: text touching a quote would change
	// its meaning (x'…' or a$b$ are not what they seem).
	query := strings.Join(in, " ")
	got, params := dollarRebind(query)
	if got != strings.Join(want, " ") || params != n {
		t.Fatalf("Rebind(%q)\n got %q (%d parameters)\nwant %q (%d parameters)", query, got, params, strings.Join(want, " "), n)
	}
}

func TestRebindOnlyRealPlaceholders(t *testing.T) {
	rapid.Check(t, checkRebind)
}

func TestRebindExamples(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`SELECT ?, '?', "?", ?`, `SELECT $1, '?', "?", $2`},
		{`SELECT E'it\'s ?', ?`, `SELECT E'it\'s ?', $1`},
		{`SELECT e'\\', ?`, `SELECT e'\\', $1`},
		{`SELECT 'a\', ?`, `SELECT 'a\', $1`}, // standard strings: a backslash is a backslash
		{`SELECT $$ ? $$, $q$ $$ ? $q$, ?`, `SELECT $$ ? $$, $q$ $$ ? $q$, $1`},
		{`SELECT a$b, ?`, `SELECT a$b, $1`},
		{`SELECT $1, ?`, `SELECT $1, $1`}, // a literal $1 is text; "?" is counted
		{`SELECT /* ? /* ? */ ? */ ?`, `SELECT /* ? /* ? */ ? */ $1`},
		{"SELECT -- ?\n?", "SELECT -- ?\n$1"},
		{`SELECT name FROM t WHERE ?`, `SELECT name FROM t WHERE $1`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`SELECT $tag$ unterminated ?`, `SELECT $tag$ unterminated ?`},
		{`SELECT ?/* ?`, `SELECT $1/* ?`},
	} {
		if got, _ := dollarRebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzRebind: any input (the generator's tokens, as rapid bytes) keeps
// the property, and arbitrary text never panics and loses nothing.
func FuzzRebind(f *testing.F) {
	f.Add(`SELECT E'\'?' || $x$?$x$ /* ? */ -- ?` + "\n?")
	f.Add("$")
	f.Add("E'")
	f.Add("/*/")
	f.Fuzz(func(t *testing.T, query string) {
		var b strings.Builder
		scanPlaceholders(query, func(s string) { b.WriteString(s) }, func() { b.WriteString("?") })
		if b.String() != query {
			t.Fatalf("text and parameters of %q put back together give %q", query, b.String())
		}
		got, n := dollarRebind(query)
		if strings.Count(query, "?") < n || len(got) < len(query) {
			t.Fatalf("Rebind(%q) = %q with %d parameters", query, got, n)
		}
	})
}

// FuzzRebindTokens runs the generated-statement property under the
// fuzzer's coverage guidance.
func FuzzRebindTokens(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(checkRebind))
}
