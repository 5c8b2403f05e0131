package dburl

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// staticText is every fixed word an output can contain, so a "password"
// the fuzzer made of those words is not mistaken for a leak.
var staticText = strings.Join([]string{
	msgEmpty, msgControl, msgNoScheme, msgBadScheme, msgUnsupported, msgSQLiteQuery, msgSQLiteNoPath,
	msgSQLiteMemory, msgFragment, msgAtAfterHost, msgBadPort, msgBadUserinfo, msgBadEscape, msgBadHost,
	msgMalformed, msgBadQuery, msgMySQLNoDB, msgMySQLBadParam, "dburl: ", "invalid input", Mask,
	"postgres://", "mysql://", "sqlite://",
}, "\x00")

// intendedPassword is what a person reading s takes for the password:
// the text between "user:" and the last '@' after the scheme, whatever
// characters it holds, and s without it. Only network schemes have one.
func intendedPassword(s string) (pw, rest string) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", s
	}
	scheme, _, _ := strings.Cut(strings.ToLower(s[:i]), "+")
	switch scheme {
	case "postgres", "postgresql", "mysql", "mariadb":
	default:
		return "", s
	}
	start := i + 3
	at := strings.LastIndex(s[start:], "@")
	if at < 0 {
		return "", s
	}
	colon := strings.Index(s[start:start+at], ":")
	if colon < 0 {
		return "", s
	}
	from, to := start+colon+1, start+at
	return s[from:to], s[:from] + "\x00" + s[to:]
}

// leaks reports whether out shows pw more often than the rest of the
// input (rest) and the fixed texts explain.
func leaks(out, rest, pw string) bool {
	if len(pw) < 3 {
		return false
	}
	// Redacted re-escapes the path: " 00" may come out as "%2000".
	escaped := (&url.URL{Path: rest}).EscapedPath()
	others := strings.Join([]string{rest, strings.ToLower(rest), escaped, strings.ToLower(escaped), staticText}, "\x00")
	return strings.Count(out, pw) > strings.Count(others, pw)
}

func FuzzParse(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzParse; a few more here.
	for _, s := range []string{
		"postgres://user:s3cretPassw0rd@db:5432/app",
		"mysql://root:Tr0ub4dor&3@db/app",
		"sqlite:///x.db",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s) // must not panic
		pw, rest := intendedPassword(strings.TrimSpace(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dburl: ") {
				t.Fatalf("Parse(%q): error %q lacks the package prefix", s, err)
			}
			for _, c := range candidates(pw) {
				if leaks(err.Error(), rest, c) {
					t.Fatalf("Parse(%q): error %q shows the password %q", s, err, c)
				}
			}
			return
		}
		switch u.Dialect {
		case Postgres, MySQL, SQLite:
		default:
			t.Fatalf("Parse(%q): dialect %q", s, u.Dialect)
		}
		if u.DSN == "" {
			t.Fatalf("Parse(%q): empty DSN", s)
		}
		if got, want := fmt.Sprintf("%#v", u), "dburl.URL("+u.Redacted()+")"; got != want {
			t.Fatalf("Parse(%q): %%#v is %q, want %q", s, got, want)
		}
		for _, out := range []string{fmt.Sprintf("%v", u), fmt.Sprintf("%+v", u), fmt.Sprint(u), u.String()} {
			if out != u.Redacted() {
				t.Fatalf("Parse(%q): printed as %q, not as Redacted() %q", s, out, u.Redacted())
			}
		}
		// The redacted form does not depend on the secrets at all: the same
		// URL with other secrets (password, password-like query
		// parameters) redacts the same.
		other := strings.TrimSpace(s)
		if pw != "" {
			other = strings.ReplaceAll(rest, "\x00", "x")
		}
		other = otherQuerySecrets(other)
		u2, err := Parse(other)
		if err != nil {
			t.Fatalf("Parse(%q) succeeded but Parse(%q), other secrets, failed: %v", s, other, err)
		}
		if u2.Redacted() != u.Redacted() {
			t.Fatalf("Parse(%q): Redacted() %q depends on the secrets (with others: %q)", s, u.Redacted(), u2.Redacted())
		}
	})
}

// otherQuerySecrets replaces the values of password-like query
// parameters with "x".
func otherQuerySecrets(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	q := strings.Index(s[i:], "?")
	if q < 0 {
		return s
	}
	q += i
	parts := strings.Split(s[q+1:], "&")
	for j, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && isSecretKey(key) {
			parts[j] = k + "=x"
		}
	}
	return s[:q+1] + strings.Join(parts, "&")
}

// candidates are the spellings of pw to look for in an error.
func candidates(pw string) []string {
	if pw == "" {
		return nil
	}
	out := []string{pw}
	if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
		out = append(out, dec)
	}
	return out
}
