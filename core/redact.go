package core

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redactAnywhere is the length from which a secret is replaced wherever it
// appears. A shorter one ("p", "admin") is replaced only where no letter
// or digit touches it, as in ":p@" or "password=p": replaced anywhere it
// would garble "postgres" or "dial tcp" into nonsense, and a secret that
// short hides nothing it is found inside of.
const redactAnywhere = 8

// Redact returns text with every secret replaced by mask, in each spelling
// a URL, a query string or a DSN can give it (as is, escaped, unescaped).
// It is the last line of defence behind Secret arguments and redacted URLs.
func Redact(text string, secrets []string, mask string) string {
	return NewRedactor(mask, secrets...).Redact(text)
}

// Redactor is Redact with the spellings of its secrets worked out once,
// for a caller that masks every line it prints.
type Redactor struct {
	mask  string
	forms []string // longest first, so a secret containing another is replaced whole
}

// NewRedactor returns a Redactor replacing secrets by mask.
func NewRedactor(mask string, secrets ...string) *Redactor {
	r := &Redactor{mask: mask}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		r.forms = append(r.forms, s, url.PathEscape(s), url.QueryEscape(s),
			strings.TrimPrefix(url.UserPassword("", s).String(), ":"))
		if u, err := url.PathUnescape(s); err == nil {
			r.forms = append(r.forms, u)
		}
		if u, err := url.QueryUnescape(s); err == nil {
			r.forms = append(r.forms, u)
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
	return r
}

// Redact returns text with every secret replaced.
func (r *Redactor) Redact(text string) string {
	for _, f := range r.forms {
		switch {
		case f == "" || strings.Trim(f, ":@/") == "":
		case len(f) >= redactAnywhere:
			text = strings.ReplaceAll(text, f, r.mask)
		default:
			text = replaceStandalone(text, f, r.mask)
		}
	}
	return text
}

// replaceStandalone replaces the occurrences of s that no letter or digit
// touches on either side.
func replaceStandalone(text, s, mask string) string {
	var b strings.Builder
	done := 0 // text[:done] is written
	for from := 0; ; {
		i := strings.Index(text[from:], s)
		if i < 0 {
			b.WriteString(text[done:])
			return b.String()
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(s):])
		if !wordRune(before) && !wordRune(after) {
			b.WriteString(text[done:i])
			b.WriteString(mask)
			done = i + len(s)
			from = done
			continue
		}
		// Not standalone: look again one byte on, so an overlapping
		// occurrence that does stand alone ("a-a" in "ba-a-a") is found.
		from = i + 1
	}
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
