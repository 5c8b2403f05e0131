package kit

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/log"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/groundworkdb/groundwork/core"
	mysqldriver "github.com/groundworkdb/groundwork/drivers/mysql"
)

const (
	// EnvMariaDBImage overrides the MariaDB image tag.
	EnvMariaDBImage = "GROUNDWORK_MARIADB_IMAGE"
	// DefaultMariaDBImage is the tag integration/images/build-mariadb.sh
	// builds by default.
	DefaultMariaDBImage = "groundwork/mariadb:10.11-bookworm"

	mariadbUser = "groundwork"
	// mariadbPassword is distinctive for the reason postgresPassword is.
	mariadbPassword  = "kit-maria-Secret-5f3a"
	mariadbDefaultDB = "groundwork"
	mariadbAdminUser = "root"
	mariadbPort      = "3306/tcp"
	mariadbDataDir   = "/var/lib/mysql"

	// mariadbReadyLine is what testcontainers-go's modules/mysql waits for
	// (MySQL's own start-up line). The image's entrypoint prints a line that
	// contains it once the server answers on TCP port 3306.
	mariadbReadyLine = "port: 3306  MySQL Community Server"
)

// MariaDBImage is the MariaDB image to run: $GROUNDWORK_MARIADB_IMAGE, or
// DefaultMariaDBImage.
func MariaDBImage() string {
	if img := os.Getenv(EnvMariaDBImage); img != "" {
		return img
	}
	return DefaultMariaDBImage
}

// StartMariaDB starts a MariaDB server in a new container of MariaDBImage,
// configured for tests: data directory on tmpfs, no binary log, no flush of
// the InnoDB log at each commit, no doublewrite buffer. The image must exist
// locally. The caller terminates the server.
//
// DSN connects as the ordinary user "groundwork", which owns the databases
// that CreateDatabase makes; AdminDSN connects as root (same password, as
// testcontainers-go's modules/mysql sets it).
func StartMariaDB(ctx context.Context) (*Server, error) {
	img := MariaDBImage()
	if err := imageAvailable(ctx, img); err != nil {
		return nil, err
	}
	ctr, err := tcmysql.Run(ctx, img,
		testcontainers.WithLogger(log.NewNoopLogger()),
		tcmysql.WithUsername(mariadbUser),
		tcmysql.WithPassword(mariadbPassword),
		tcmysql.WithDatabase(mariadbDefaultDB),
		testcontainers.WithCmd("mariadbd",
			"--skip-log-bin",
			"--innodb-flush-log-at-trx-commit=0",
			"--innodb-doublewrite=0",
			"--max-connections=300",
		),
		testcontainers.WithTmpfs(map[string]string{mariadbDataDir: "rw"}),
		testcontainers.WithWaitStrategyAndDeadline(2*time.Minute, mariadbReady(img)),
	)
	if err != nil {
		var c testcontainers.Container
		if ctr != nil {
			c = ctr
		}
		return nil, startFailed(kindMariaDB, c, err)
	}
	srv, err := newServer(ctx, kindMariaDB, ctr, mariadbPort)
	if err != nil {
		return nil, startFailed(kindMariaDB, ctr, err)
	}
	srv.user, srv.password = mariadbUser, mariadbPassword
	srv.adminUser, srv.adminPass = mariadbAdminUser, mariadbPassword
	srv.defaultDB, srv.adminDB = mariadbDefaultDB, ""
	return srv, nil
}

// mariadbReady waits for the server of img: the ready line of this
// repository's image, or, for another image (the official mariadb ones),
// the TCP port, which their entrypoint opens only for the real server
// (its initialisation server skips networking). ConnectMySQL's ping then
// waits for the first answer.
func mariadbReady(img string) wait.Strategy {
	if img == DefaultMariaDBImage {
		return wait.ForLog(mariadbReadyLine).WithStartupTimeout(2 * time.Minute)
	}
	return wait.ForListeningPort(mariadbPort).WithStartupTimeout(2 * time.Minute)
}

func mariadbDSN(user, password, host, port, dbname string) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true&multiStatements=false",
		user, password, net.JoinHostPort(host, port), dbname)
}

// openAdmin is a handle on the server as root; the caller closes it.
func (s *Server) openAdmin() (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(s.AdminDSN())
	if err != nil {
		return nil, fmt.Errorf("integration/kit: parse mariadb admin dsn: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: mariadb connector: %w", err)
	}
	return sql.OpenDB(connector), nil
}

func (s *Server) createMariaDBDatabase(ctx context.Context, name string) error {
	db, err := s.openAdmin()
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("integration/kit: connect to mariadb: %w", err)
	}
	defer conn.Close()
	// name is checked by databaseName and s.user is a constant of this
	// package: neither holds a quote character.
	ident := quoteIdent(name, '`')
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("integration/kit: create database %s: %w", name, err)
	}
	if s.user == s.adminUser {
		return nil // an existing server's user (ConnectMySQL) owns what it creates
	}
	if _, err := conn.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO '"+s.user+"'@'%'"); err != nil {
		return fmt.Errorf("integration/kit: grant database %s to %s: %w", name, s.user, err)
	}
	return nil
}

func (s *Server) dropMariaDBDatabase(ctx context.Context, name string) error {
	db, err := s.openAdmin()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name, '`')); err != nil {
		return fmt.Errorf("integration/kit: drop database %s: %w", name, err)
	}
	return nil
}

// MariaDB is the target of databases on the test binary's shared MariaDB
// server ([SharedMariaDB]), opened with drivers/mysql. MariaDB cannot copy
// a database, so each copy of a template is built afresh.
func MariaDB() Target {
	return Target{
		name:    "mariadb",
		dialect: "mysql",
		server:  SharedMariaDB,
		open: func(ctx context.Context, dsn string) (core.Driver, error) {
			return mysqldriver.Open(ctx, dsn)
		},
		url:         mysqlURL,
		noTemplates: true,
	}
}

// mysqlURL turns a go-sql-driver/mysql DSN into the mysql:// URL that
// `groundwork --db` takes.
func mysqlURL(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return ""
	}
	u := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + cfg.DBName}
	return u.String()
}
