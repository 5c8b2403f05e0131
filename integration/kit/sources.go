package kit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/internal/hostpg"
)

// Where the shared servers come from. Each kind looks, in order, at:
//
//  1. an existing server named by an environment variable
//     (GROUNDWORK_TEST_POSTGRES_URL, GROUNDWORK_TEST_MYSQL_URL): a CI
//     service container, a developer's local server. Each test gets its
//     own database there (CREATE DATABASE, so the user needs that right),
//     dropped after the test;
//  2. for PostgreSQL, the host's server programs (initdb, pg_ctl) when
//     GROUNDWORK_TEST_POSTGRES=host, or when no Docker engine answers: a
//     throwaway server in a temporary directory on 127.0.0.1;
//  3. a container of the image GROUNDWORK_POSTGRES_IMAGE /
//     GROUNDWORK_MARIADB_IMAGE (any image of the official postgres and
//     mariadb (10.5+) kinds, or this repository's locally built ones, the
//     default).
//
// Without any of them a test skips, saying how to enable each (or fails
// when CI=true).
const (
	// EnvPostgresURL names an existing PostgreSQL server for the tests: a
	// postgres:// URL or a key=value DSN of a user allowed to create
	// databases, on a database it can connect to.
	EnvPostgresURL = "GROUNDWORK_TEST_POSTGRES_URL"
	// EnvMySQLURL names an existing MySQL or MariaDB server: a mysql:// or
	// mariadb:// URL (as `groundwork --db` takes it) or a go-sql-driver
	// DSN (user:pass@tcp(host:3306)/db), of a user allowed to create
	// databases.
	EnvMySQLURL = "GROUNDWORK_TEST_MYSQL_URL"
	// EnvPostgresSource chooses the PostgreSQL source when EnvPostgresURL
	// is not set: "host" (the host's server programs), "container", or
	// empty (the container when Docker answers, else the host's programs).
	EnvPostgresSource = "GROUNDWORK_TEST_POSTGRES"
)

// howToEnable is the end of every skip message: the ways to get a server.
func howToEnable(kind serverKind) string {
	if kind == kindMariaDB {
		return "to run it, set " + EnvMySQLURL + "=mysql://user:pass@host:3306/db (an existing server), " +
			"or give Docker an image: " + EnvMariaDBImage + "=mariadb:10.11 (or build " + DefaultMariaDBImage + " with integration/images/build.sh)"
	}
	return "to run it, set " + EnvPostgresURL + "=postgres://user:pass@host:5432/db (an existing server), " +
		"or install the PostgreSQL server programs (initdb, pg_ctl) and set " + EnvPostgresSource + "=host, " +
		"or give Docker an image: " + EnvPostgresImage + "=postgres:15 (or build " + DefaultPostgresImage + " with integration/images/build.sh)"
}

// unavailableError marks a server that cannot be had here (as opposed to
// one that failed to start): the test skips.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// startPostgresAny starts, or connects to, the PostgreSQL server of the
// first available source.
func startPostgresAny(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvPostgresURL); dsn != "" {
		return ConnectPostgres(ctx, dsn)
	}
	switch src := os.Getenv(EnvPostgresSource); src {
	case "host":
		return StartHostPostgres(ctx)
	case "container":
		if err := DockerAvailable(); err != nil {
			return nil, &unavailableError{err: err}
		}
		return StartPostgres(ctx)
	case "":
		if err := DockerAvailable(); err != nil {
			srv, herr := StartHostPostgres(ctx)
			if herr != nil {
				return nil, &unavailableError{err: fmt.Errorf("no Docker engine (%v) and %w", err, herr)}
			}
			return srv, nil
		}
		return StartPostgres(ctx)
	default:
		return nil, fmt.Errorf("integration/kit: %s=%q: want host, container or empty", EnvPostgresSource, src)
	}
}

// startMariaDBAny is startPostgresAny for MariaDB/MySQL.
func startMariaDBAny(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvMySQLURL); dsn != "" {
		return ConnectMySQL(ctx, dsn)
	}
	if err := DockerAvailable(); err != nil {
		return nil, &unavailableError{err: err}
	}
	return StartMariaDB(ctx)
}

// ConnectPostgres returns a Server for the existing PostgreSQL server
// that dsn (a postgres:// URL or a key=value DSN) connects to, after
// checking it answers. Databases are created and dropped as dsn's user;
// DSN(name) is dsn with the database replaced. Terminate does nothing:
// the server is not the kit's.
func ConnectPostgres(ctx context.Context, dsn string) (*Server, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: %s: not a PostgreSQL URL or DSN: %w", EnvPostgresURL, core.ErrInvalid)
	}
	srv := &Server{kind: kindPostgres, host: cfg.Host, port: strconv.Itoa(int(cfg.Port)),
		user: cfg.User, password: cfg.Password, adminUser: cfg.User, adminPass: cfg.Password,
		defaultDB: cfg.Database, adminDB: cfg.Database, prefix: externalPrefix()}
	if srv.adminDB == "" {
		srv.adminDB = "postgres"
	}
	srv.dsnFor = func(user, password, db string) string { return withPostgresDatabase(dsn, user, password, db) }
	if err := pingPostgres(ctx, srv.AdminDSN()); err != nil {
		return nil, err
	}
	return srv, nil
}

// withPostgresDatabase is dsn naming database db, as user with password
// (DSNAs), instead.
func withPostgresDatabase(dsn, user, password, db string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path, u.RawPath = "/"+db, ""
		if u.User == nil || u.User.Username() != user {
			u.User = url.UserPassword(user, password)
		}
		return u.String()
	}
	// key=value: the last setting of a key wins.
	out := dsn + " dbname=" + kvQuote(db)
	if cfg, err := pgx.ParseConfig(dsn); err == nil && cfg.User != user {
		out += " user=" + kvQuote(user) + " password=" + kvQuote(password)
	}
	return out
}

func kvQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func pingPostgres(ctx context.Context, dsn string) error {
	var err error
	for attempt := 0; attempt < 60; attempt++ {
		var conn *pgx.Conn
		if conn, err = pgx.Connect(ctx, dsn); err == nil {
			return conn.Close(context.Background())
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("integration/kit: postgres server does not answer: %s", redactDSN(err, dsn))
}

// ConnectMySQL returns a Server for the existing MySQL or MariaDB server
// that dsn (a mysql:// or mariadb:// URL, or a go-sql-driver DSN) connects
// to. As ConnectPostgres, Terminate does nothing.
func ConnectMySQL(ctx context.Context, dsn string) (*Server, error) {
	raw := dsn
	if strings.Contains(dsn, "://") {
		u, err := dburl.Parse(dsn)
		if err != nil || u.Dialect != dburl.MySQL {
			return nil, fmt.Errorf("integration/kit: %s: want a mysql:// URL or a go-sql-driver DSN: %w", EnvMySQLURL, core.ErrInvalid)
		}
		raw = u.DSN
	}
	cfg, err := mysql.ParseDSN(raw)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: %s: not a MySQL DSN: %w", EnvMySQLURL, core.ErrInvalid)
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	srv := &Server{kind: kindMariaDB, host: host, port: port,
		user: cfg.User, password: cfg.Passwd, adminUser: cfg.User, adminPass: cfg.Passwd,
		defaultDB: cfg.DBName, prefix: externalPrefix()}
	srv.dsnFor = func(user, password, db string) string {
		c := cfg.Clone()
		c.User, c.Passwd, c.DBName = user, password, db
		c.ParseTime = true
		return c.FormatDSN()
	}
	db, err := srv.openAdmin()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	for attempt := 0; attempt < 60; attempt++ {
		if err = db.PingContext(ctx); err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("integration/kit: mysql server does not answer: %s", redactDSN(err, cfg.Passwd))
	}
	return srv, nil
}

// StartHostPostgres starts a throwaway PostgreSQL server from the host's
// server programs (Debian's postgresql package puts them in
// /usr/lib/postgresql/N/bin) in a temporary directory, listening on
// 127.0.0.1 only. Terminate stops it and removes the directory.
func StartHostPostgres(ctx context.Context) (*Server, error) {
	const password = "kit-hostpg-Secret-5f3a"
	hs, err := hostpg.Start(ctx, hostpg.WithPassword(postgresUser, password), hostpg.WithSetting("max_connections=300"))
	if err != nil {
		if errors.Is(err, hostpg.ErrUnavailable) {
			return nil, &unavailableError{err: err}
		}
		return nil, fmt.Errorf("integration/kit: %w", err)
	}
	srv := &Server{kind: kindPostgres, host: "127.0.0.1", port: strconv.Itoa(hs.Port),
		user: postgresUser, password: password, adminUser: postgresUser, adminPass: password,
		defaultDB: "postgres", adminDB: "postgres", stop: hs.Stop}
	if err := pingPostgres(ctx, srv.AdminDSN()); err != nil {
		hs.Stop()
		return nil, err
	}
	return srv, nil
}

// PostgresAt is the target of databases on the existing PostgreSQL
// server dsn connects to (see ConnectPostgres), one server for every test
// of the binary that names the same dsn.
func PostgresAt(dsn string) Target {
	tg := Postgres()
	tg.name = "postgres"
	tg.server = externalServer(kindPostgres, dsn, ConnectPostgres)
	return tg
}

// MySQLAt is the target of databases on the existing MySQL or MariaDB
// server dsn connects to (see ConnectMySQL).
func MySQLAt(dsn string) Target {
	tg := MariaDB()
	tg.name = "mysql"
	tg.server = externalServer(kindMariaDB, dsn, ConnectMySQL)
	return tg
}

// HostPostgres is the target of databases on a throwaway server of the
// host's PostgreSQL programs, started on first use and stopped by
// TerminateShared.
func HostPostgres() Target {
	tg := Postgres()
	tg.server = func(t testing.TB) *Server {
		t.Helper()
		return sharedHostPostgres.get(t, kindPostgres, StartHostPostgres)
	}
	return tg
}

var sharedHostPostgres shared

var externals struct {
	mu   sync.Mutex
	srvs map[string]*shared
}

func externalServer(kind serverKind, dsn string, connect func(context.Context, string) (*Server, error)) func(testing.TB) *Server {
	return func(t testing.TB) *Server {
		t.Helper()
		externals.mu.Lock()
		if externals.srvs == nil {
			externals.srvs = map[string]*shared{}
		}
		sh := externals.srvs[dsn]
		if sh == nil {
			sh = &shared{}
			externals.srvs[dsn] = sh
		}
		externals.mu.Unlock()
		return sh.get(t, kind, func(ctx context.Context) (*Server, error) { return connect(ctx, dsn) })
	}
}

// externalPrefix starts the names of the databases the kit creates on a
// server it shares with others (parallel CI jobs, a developer's own
// databases): random, so two test binaries never pick the same name.
func externalPrefix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "gw_test_" + hex.EncodeToString(b)
}

// redactDSN is err's text without the password.
func redactDSN(err error, secret string) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if u, perr := url.Parse(secret); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secret = p
		}
	} else if cfg, perr := pgx.ParseConfig(secret); perr == nil {
		secret = cfg.Password
	}
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
	}
	return msg
}
