// Package dburl turns the database URLs operators already have into
// what a groundwork driver opens: the dialect, a driver-ready DSN (or file
// path) and a redacted form safe to print.
//
// Accepted forms:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//	postgresql+psycopg2://…, postgresql+psycopg://…, postgresql+asyncpg://…  (SQLAlchemy)
//	…?ssl=require (asyncpg's spelling, read as sslmode=require; ssl=true too)
//	mysql://user:pass@host:3306/db                       (also mariadb://, mysql+pymysql://…)
//	sqlite://groundwork.db                               (relative path)
//	sqlite:///relative.db                                (SQLAlchemy: relative)
//	sqlite:////abs/path.db                               (SQLAlchemy: absolute)
//
// Refused: sqlite+sqlcipher:// (an encrypted database, which the pure-Go
// SQLite driver cannot open: writing to that path would leave an
// unencrypted file, API key included, where the host expects its
// encrypted one), and a user name or password with an unencoded '@',
// '/', '?' or '#' (where the host begins is then a guess).
//
// No error returned by Parse quotes the input: a URL whose password holds
// an unescaped '@', '/', '?' or '#' would otherwise print it.
package dburl

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// Dialects.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	SQLite   = "sqlite"
)

// Mask replaces secrets in Redacted.
const Mask = "***"

// Error texts. None quotes the input (the scheme excepted, which is
// checked to be made of scheme characters).
const (
	msgEmpty         = "empty database URL"
	msgControl       = "the URL contains control characters"
	msgNoScheme      = "no scheme: want postgres://…, mysql://… or sqlite://path"
	msgBadScheme     = "the scheme is malformed"
	msgUnsupported   = "unsupported scheme %q: want postgres, postgresql, mysql or sqlite (with an optional +driver suffix)"
	msgSQLiteQuery   = "sqlite URL: query parameters are not supported"
	msgSQLiteNoPath  = "sqlite URL has no file path: want sqlite://file.db, sqlite:///relative.db or sqlite:////absolute/path.db"
	msgSQLiteMemory  = "sqlite URL: in-memory databases are not supported (each connection would see its own): give a file path"
	msgFragment      = "%s URL: '#' is not allowed; percent-encode it as %%23 if it is part of the password"
	msgAtAfterHost   = "%s URL: '@' after the host; percent-encode '@' (%%40), '/' (%%2F), '?' (%%3F) and '#' (%%23) in the user name and password"
	msgManyAt        = "%s URL: more than one '@' before the host, so where the password ends is ambiguous: percent-encode '@' in the user name and password as %%40 (and '/' %%2F, '?' %%3F, '#' %%23, ':' in the user name %%3A)"
	msgSQLCipher     = "sqlite+sqlcipher URL: encrypted SQLite (SQLCipher, DATABASE_PASSWORD) is not supported: the pure-Go SQLite driver cannot open it, and would write an unencrypted file (API key included) where Open WebUI expects its encrypted database; nothing was written. Use PostgreSQL, or run without groundwork on this database"
	msgBadSSL        = "postgres URL: ssl= must be true, false or an sslmode (disable, allow, prefer, require, verify-ca, verify-full)"
	msgBadPort       = "%s URL: the port is not a number between 1 and 65535"
	msgBadUserinfo   = "%s URL: the user name or password has characters that must be percent-encoded"
	msgBadEscape     = "%s URL: malformed percent-escape (a '%%' must be followed by two hex digits)"
	msgBadHost       = "%s URL: the host is malformed"
	msgMalformed     = "%s URL is malformed: check the host, the port and that special characters in the user name and password are percent-encoded"
	msgBadQuery      = "%s URL: malformed query parameters"
	msgMySQLNoDB     = "mysql URL: no database name in the path"
	msgMySQLBadParam = "mysql URL: query parameters must be key=value"
)

// URL is a parsed database URL. Its String and GoString are the redacted
// form, so printing a URL by mistake shows no password.
type URL struct {
	// Dialect is Postgres, MySQL or SQLite.
	Dialect string
	// DSN is what the dialect's driver opens: a postgres:// URL for pgx, a
	// go-sql-driver DSN (user:pass@tcp(host:port)/db) for MySQL, the file
	// path for SQLite. It holds the password: never print it.
	DSN string
	// Path is the database file of an SQLite URL ("" otherwise).
	Path string

	redacted string
	secrets  []string
}

// Redacted is the URL with its password and every password-like query
// parameter replaced by ***.
func (u URL) Redacted() string { return u.redacted }

// String is Redacted.
func (u URL) String() string { return u.redacted }

// GoString is Redacted too, so %#v shows no secret.
func (u URL) GoString() string { return "dburl.URL(" + u.redacted + ")" }

// Secrets returns the password and the values of password-like query
// parameters, decoded, for callers that mask text as a last line of
// defence.
func (u URL) Secrets() []string { return append([]string(nil), u.secrets...) }

func invalid(format string, args ...any) error {
	return fmt.Errorf("dburl: "+format+": %w", append(args, core.ErrInvalid)...)
}

// Parse reads a database URL. Every error wraps core.ErrInvalid.
func Parse(s string) (URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return URL{}, invalid(msgEmpty)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return URL{}, invalid(msgControl)
		}
	}
	i := strings.Index(s, "://")
	if i <= 0 {
		return URL{}, invalid(msgNoScheme)
	}
	scheme := strings.ToLower(s[:i])
	if !validScheme(scheme) {
		return URL{}, invalid(msgBadScheme)
	}
	rest := s[i+3:]
	base, _, _ := strings.Cut(scheme, "+")
	switch base {
	case "postgres", "postgresql":
		return parseNetwork(Postgres, rest)
	case "mysql", "mariadb":
		return parseNetwork(MySQL, rest)
	case "sqlite", "sqlite3":
		if _, drv, _ := strings.Cut(scheme, "+"); drv == "sqlcipher" || drv == "pysqlcipher" {
			return URL{}, invalid(msgSQLCipher)
		}
		return parseSQLite(rest)
	}
	return URL{}, invalid(msgUnsupported, scheme)
}

func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func parseSQLite(rest string) (URL, error) {
	if strings.Contains(rest, "?") {
		return URL{}, invalid(msgSQLiteQuery)
	}
	// SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db.
	path := strings.TrimPrefix(rest, "/")
	switch path {
	case "":
		return URL{}, invalid(msgSQLiteNoPath)
	case ":memory:":
		return URL{}, invalid(msgSQLiteMemory)
	}
	red := "sqlite://" + path
	if strings.HasPrefix(path, "/") {
		red = "sqlite:///" + path
	}
	return URL{Dialect: SQLite, DSN: path, Path: path, redacted: red}, nil
}

func parseNetwork(dialect, rest string) (URL, error) {
	if strings.Contains(rest, "#") {
		return URL{}, invalid(msgFragment, dialect)
	}
	authority := rest
	if end := strings.IndexAny(rest, "/?"); end >= 0 {
		if strings.Contains(rest[end:], "@") {
			return URL{}, invalid(msgAtAfterHost, dialect)
		}
		authority = rest[:end]
	}
	if strings.Count(authority, "@") > 1 {
		// "app:Tr0ub4dor@prod-Zebra99@host": a driver splitting at the
		// first '@' would print the rest of the password as the host.
		return URL{}, invalid(msgManyAt, dialect)
	}
	u, err := url.Parse(dialect + "://" + rest)
	if err != nil {
		// url's messages quote the input, password included: classify, never wrap.
		msg := err.Error()
		switch {
		case strings.Contains(msg, "invalid port"):
			return URL{}, invalid(msgBadPort, dialect)
		case strings.Contains(msg, "invalid userinfo"):
			return URL{}, invalid(msgBadUserinfo, dialect)
		case strings.Contains(msg, "invalid URL escape"):
			return URL{}, invalid(msgBadEscape, dialect)
		case strings.Contains(msg, "invalid character") && strings.Contains(msg, "host"):
			return URL{}, invalid(msgBadHost, dialect)
		}
		return URL{}, invalid(msgMalformed, dialect)
	}
	if strings.Contains(u.Path, "@") || strings.Contains(u.RawPath, "@") || strings.Contains(u.RawQuery, "@") || u.Opaque != "" {
		return URL{}, invalid(msgAtAfterHost, dialect)
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return URL{}, invalid(msgBadPort, dialect)
	}
	out := URL{Dialect: dialect}
	var userinfo string
	if u.User != nil {
		userinfo = url.User(u.User.Username()).String()
		if pw, ok := u.User.Password(); ok {
			userinfo += ":" + Mask
			if pw != "" {
				out.secrets = append(out.secrets, pw)
			}
		}
		userinfo += "@"
	}
	query, secrets, err := maskQuery(u.RawQuery)
	if err != nil {
		return URL{}, invalid(msgBadQuery, dialect)
	}
	out.secrets = append(out.secrets, secrets...)
	out.redacted = dialect + "://" + userinfo + u.Host + u.EscapedPath()
	if query != "" {
		out.redacted += "?" + query
	}
	switch dialect {
	case Postgres:
		q, err := postgresQuery(u.RawQuery)
		if err != nil {
			return URL{}, err
		}
		out.DSN = "postgres://" + rest
		if q != u.RawQuery {
			out.DSN = "postgres://" + strings.TrimSuffix(rest, "?"+u.RawQuery) + "?" + q
		}
	case MySQL:
		dsn, err := mysqlDSN(u)
		if err != nil {
			return URL{}, err
		}
		out.DSN = dsn
	}
	return out, nil
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n >= 1 && n <= 65535
}

// isSecretKey reports whether a query parameter holds a secret.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token")
}

// maskQuery masks password-like parameters, keeping the order and the
// spelling of everything else.
func maskQuery(raw string) (string, []string, error) {
	if raw == "" {
		return "", nil, nil
	}
	if _, err := url.ParseQuery(raw); err != nil {
		return "", nil, err
	}
	var secrets []string
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		key, _ := url.QueryUnescape(k)
		if isSecretKey(key) {
			if val, _ := url.QueryUnescape(v); val != "" {
				secrets = append(secrets, val)
			}
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&"), secrets, nil
}

// msgMySQLUserColon: a go-sql-driver DSN ends the user name at its first ':'.
const msgMySQLUserColon = "mysql URL: the user name contains ':', which a MySQL DSN cannot carry"

// mysqlDSN renders the go-sql-driver/mysql form of u:
// user:password@tcp(host:port)/dbname?params. go-sql-driver splits the
// user from the password at the first ':' and the credentials from the
// address at the last '@' before the last '/', so the password may hold
// any character but the user name no ':'. The database name is
// path-escaped (go-sql-driver unescapes it) and the query is passed as
// it is (go-sql-driver unescapes each value); drivers/mysql adds
// parseTime whatever the URL says.
func mysqlDSN(u *url.URL) (string, error) {
	var b strings.Builder
	if u.User != nil {
		if strings.Contains(u.User.Username(), ":") {
			return "", invalid(msgMySQLUserColon)
		}
		b.WriteString(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			b.WriteString(":" + pw)
		}
		b.WriteString("@")
	}
	if u.Host != "" {
		host := u.Host
		if u.Port() == "" {
			host = strings.TrimSuffix(host, ":") + ":3306"
		}
		b.WriteString("tcp(" + host + ")")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return "", invalid(msgMySQLNoDB)
	}
	b.WriteString("/" + url.PathEscape(db))
	if u.RawQuery != "" {
		for _, p := range strings.Split(u.RawQuery, "&") {
			if !strings.Contains(p, "=") {
				return "", invalid(msgMySQLBadParam)
			}
		}
		// A raw '/' in a value would be taken for the one before dbname.
		b.WriteString("?" + strings.ReplaceAll(u.RawQuery, "/", "%2F"))
	}
	return b.String(), nil
}

// postgresQuery rewrites asyncpg's ssl= (which SQLAlchemy URLs of Open
// WebUI may carry) as the sslmode= pgx reads: pgx would send an unknown
// parameter to the server, which refuses it. An sslmode given beside it
// wins.
func postgresQuery(raw string) (string, error) {
	if raw == "" {
		return raw, nil
	}
	parts := strings.Split(raw, "&")
	hasMode := false
	for _, p := range parts {
		if k, _, _ := strings.Cut(p, "="); strings.EqualFold(k, "sslmode") {
			hasMode = true
		}
	}
	out := parts[:0]
	changed := false
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if k != "ssl" {
			out = append(out, p)
			continue
		}
		changed = true
		if hasMode {
			continue
		}
		val, _ := url.QueryUnescape(v)
		switch mode := strings.ToLower(val); mode {
		case "true", "1", "on", "yes":
			out = append(out, "sslmode=require")
		case "false", "0", "off", "no":
			out = append(out, "sslmode=disable")
		case "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
			out = append(out, "sslmode="+mode)
		default:
			return "", invalid(msgBadSSL)
		}
	}
	if !changed {
		return raw, nil
	}
	return strings.Join(out, "&"), nil
}
