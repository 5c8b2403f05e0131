// Package redact takes secrets out of text bound for a log, an error or a
// report: passwords and API keys in each spelling a server, a driver or an
// encoder may echo them in.
package redact

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
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

// String returns text with every secret replaced by mask, in each spelling
// a URL, a query string or a DSN can give it (as is, escaped, unescaped).
// It is the last line of defence behind Secret arguments and redacted URLs.
func String(text string, secrets []string, mask string) string {
	return New(mask, secrets...).Redact(text)
}

// Redactor is String with the spellings of its secrets worked out once,
// for a caller that masks every line it prints.
type Redactor struct {
	mask  string
	forms []string // longest first, so a secret containing another is replaced whole
}

// New returns a Redactor replacing secrets by mask.
func New(mask string, secrets ...string) *Redactor {
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
		r.forms = append(r.forms, echoForms(s)...)
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
	return r
}

// String returns text with every secret replaced.
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

// serverEchoBytes is how many bytes of a value MySQL and MariaDB quote
// back, from the first one they cannot store, in "Incorrect string
// value: '\xF0\x9F\x98\x80...'".
const serverEchoBytes = 6

// echoForms are the spellings of a secret holding bytes outside printable
// ASCII that a server, a driver or an encoder may echo: each such byte
// as \xNN (MariaDB, Go's %q; upper and lower case), as '?' (a server
// converting to a charset without it), U+FFFD or \ufffd (encoding/json
// and others replacing invalid UTF-8), and MariaDB's quote of the six
// bytes from each such byte on.
func echoForms(s string) []string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return nil
	}
	hexUpper := func(s string) string { return hexEscape(s, "\\x%02X") }
	hexLower := func(s string) string { return hexEscape(s, "\\x%02x") }
	forms := []string{hexUpper(s), hexLower(s),
		strings.Trim(strconv.Quote(s), `"`), strings.Trim(strconv.QuoteToASCII(s), `"`),
		replaceOdd(s, "?", true), replaceOdd(s, "?", false),
		strings.ToValidUTF8(s, "\uFFFD"), strings.ToValidUTF8(s, `\ufffd`)}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			part := s[i:min(i+serverEchoBytes, len(s))]
			forms = append(forms, hexUpper(part), hexLower(part))
		}
	}
	return forms
}

// hexEscape writes the bytes outside printable ASCII of s in format.
func hexEscape(s, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, format, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// replaceOdd replaces with repl every rune of s outside ASCII (perByte:
// every byte of it, as a byte-wise conversion does).
func replaceOdd(s, repl string, perByte bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case perByte:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(strings.Repeat(repl, size))
		default:
			b.WriteString(repl)
		}
	}
	return b.String()
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
