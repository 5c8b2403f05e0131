package postgres

import (
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Without an sslmode, pgx (like libpq) uses sslmode=prefer: TLS first,
// plaintext if the server refuses. Against a loopback server that has no
// TLS this costs a refused SSLRequest and a second TCP connection on
// every start; against one that has TLS (Debian's default, with its
// snakeoil certificate) a full handshake whose certificate prefer never
// verifies. Neither protects anything on loopback: the bytes never leave
// the kernel, and prefer already accepts plaintext from whoever answers.
//
// So for a URL that says nothing about TLS and names only loopback hosts
// the connection asks for sslmode=allow: plaintext first, TLS if the
// server refuses plaintext (a pg_hba.conf with only hostssl lines still
// works). Any TLS setting in the URL or the PG* environment, or a remote
// or unix-socket host (pgx never uses TLS on a socket), leaves the URL as
// it was, so a remote host keeps prefer and an explicit sslmode is obeyed.

// loopbackAllow returns cfg reparsed with sslmode=allow when conn (the URL
// Open was given) qualifies, else cfg unchanged.
func loopbackAllow(conn string, cfg *pgx.ConnConfig, lookupEnv func(string) (string, bool)) *pgx.ConnConfig {
	if mentionsTLS(conn, lookupEnv) || !loopbackTCP(cfg) {
		return cfg
	}
	allowed, err := pgx.ParseConfig(withSSLMode(conn, "allow"))
	if err != nil {
		return cfg
	}
	return allowed
}

// mentionsTLS is true when the URL or the environment may choose TLS
// settings (sslmode, sslrootcert, a service file entry, …). A false
// positive (a password containing "ssl") only keeps pgx's default.
func mentionsTLS(conn string, lookupEnv func(string) (string, bool)) bool {
	lower := strings.ToLower(conn)
	if strings.Contains(lower, "ssl") || strings.Contains(lower, "service") {
		return true
	}
	for _, v := range []string{"PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSERVICE", "PGSSLNEGOTIATION"} {
		if _, ok := lookupEnv(v); ok {
			return true
		}
	}
	return false
}

// loopbackTCP is true when every host pgx would try is a loopback address
// over TCP and pgx would try TLS on it (sslmode=prefer's fallbacks).
func loopbackTCP(cfg *pgx.ConnConfig) bool {
	if cfg.TLSConfig == nil {
		return false
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if !isLoopback(h) {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// withSSLMode adds sslmode to a postgres:// URL or a key=value DSN.
func withSSLMode(conn, mode string) string {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err != nil {
			return conn
		}
		q := u.Query()
		q.Set("sslmode", mode)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return conn + " sslmode=" + mode
}
