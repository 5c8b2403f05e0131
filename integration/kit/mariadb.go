package kit

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/log"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	// EnvMariaDBImage overrides the MariaDB image tag.
	EnvMariaDBImage = "GROUNDWORK_MARIADB_IMAGE"
	// DefaultMariaDBImage is the tag integration/images/build-mariadb.sh
	// builds by default.
	DefaultMariaDBImage = "groundwork/mariadb:10.11-bookworm"

	mariadbUser      = "groundwork"
	mariadbPassword  = "groundwork"
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
		testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
			wait.ForLog(mariadbReadyLine).WithStartupTimeout(2*time.Minute),
		),
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

func mariadbDSN(user, password, host, port, dbname string) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true&multiStatements=false",
		user, password, net.JoinHostPort(host, port), dbname)
}

func (s *Server) createMariaDBDatabase(ctx context.Context, name string) error {
	cfg, err := mysql.ParseDSN(s.AdminDSN())
	if err != nil {
		return fmt.Errorf("integration/kit: parse mariadb admin dsn: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("integration/kit: mariadb connector: %w", err)
	}
	db := sql.OpenDB(connector)
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
	if _, err := conn.ExecContext(ctx, "GRANT ALL PRIVILEGES ON "+ident+".* TO '"+s.user+"'@'%'"); err != nil {
		return fmt.Errorf("integration/kit: grant database %s to %s: %w", name, s.user, err)
	}
	return nil
}
