package kit

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/groundworkdb/groundwork/core"
	pgdriver "github.com/groundworkdb/groundwork/drivers/postgres"
)

const (
	// EnvPostgresImage overrides the PostgreSQL image tag.
	EnvPostgresImage = "GROUNDWORK_POSTGRES_IMAGE"
	// DefaultPostgresImage is the tag integration/images/build-postgres.sh
	// builds by default.
	DefaultPostgresImage = "groundwork/postgres:15-bookworm"

	postgresUser = "postgres"
	// postgresPassword is distinctive on purpose: groundwork masks a
	// database password wherever it appears in its output, so a password
	// such as "groundwork" would hide the lock's and the program's names.
	postgresPassword  = "kit-pg-Secret-5f3a"
	postgresDefaultDB = "groundwork"
	postgresAdminDB   = "postgres"
	postgresPort      = "5432/tcp"
	postgresDataDir   = "/var/lib/postgresql/data"
)

// PostgresImage is the PostgreSQL image to run: $GROUNDWORK_POSTGRES_IMAGE,
// or DefaultPostgresImage.
func PostgresImage() string {
	if img := os.Getenv(EnvPostgresImage); img != "" {
		return img
	}
	return DefaultPostgresImage
}

// StartPostgres starts a PostgreSQL server in a new container of
// PostgresImage, configured for tests: data directory on tmpfs, fsync,
// synchronous_commit and full_page_writes off (durability means nothing for
// throw-away data), 300 connections. The image must exist locally. The caller
// terminates the server.
//
// The superuser is "postgres"; DSN and AdminDSN both use it, so tests can
// create extensions and roles.
func StartPostgres(ctx context.Context) (*Server, error) {
	img := PostgresImage()
	if err := imageAvailable(ctx, img); err != nil {
		return nil, err
	}
	ctr, err := postgres.Run(ctx, img,
		testcontainers.WithLogger(log.NewNoopLogger()),
		postgres.WithUsername(postgresUser),
		postgres.WithPassword(postgresPassword),
		postgres.WithDatabase(postgresDefaultDB),
		testcontainers.WithCmd("postgres",
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "max_connections=300",
		),
		testcontainers.WithTmpfs(map[string]string{postgresDataDir: "rw"}),
		// docker import cannot set STOPSIGNAL: ask for PostgreSQL's fast
		// shutdown rather than SIGTERM's "smart" one, which waits for
		// clients to go.
		testcontainers.WithConfigModifier(func(c *container.Config) { c.StopSignal = "SIGINT" }),
		// The entrypoint logs the line twice on a fresh data directory: once
		// for the initialisation server and once for the real one.
		testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
			wait.ForLog("database system is ready to accept connections").
				WithOccurrence(2).WithStartupTimeout(2*time.Minute),
			wait.ForListeningPort(postgresPort).WithStartupTimeout(time.Minute),
		),
	)
	if err != nil {
		var c testcontainers.Container
		if ctr != nil {
			c = ctr
		}
		return nil, startFailed(kindPostgres, c, err)
	}
	srv, err := newServer(ctx, kindPostgres, ctr, postgresPort)
	if err != nil {
		return nil, startFailed(kindPostgres, ctr, err)
	}
	srv.user, srv.password = postgresUser, postgresPassword
	srv.adminUser, srv.adminPass = postgresUser, postgresPassword
	srv.defaultDB, srv.adminDB = postgresDefaultDB, postgresAdminDB
	return srv, nil
}

func postgresDSN(user, password, host, port, dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort(host, port),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// CreateDatabaseFromTemplate creates database name on a PostgreSQL server as
// a copy of database template (which nobody may be connected to, e.g. one a
// test migrated once and then closed), and returns its DSN. An empty name
// picks a fresh unique one. MariaDB has no templates: there it is an error.
func (s *Server) CreateDatabaseFromTemplate(ctx context.Context, name, template string) (string, error) {
	if s.kind != kindPostgres {
		return "", fmt.Errorf("integration/kit: %s has no template databases", s.kind)
	}
	name, err := s.databaseName(name)
	if err != nil {
		return "", err
	}
	if !dbNameRE.MatchString(template) {
		return "", fmt.Errorf("integration/kit: invalid template database name %q", template)
	}
	if err := s.createPostgresDatabase(ctx, name, template); err != nil {
		return "", err
	}
	return s.DSN(name), nil
}

func (s *Server) createPostgresDatabase(ctx context.Context, name, template string) error {
	conn, err := pgx.Connect(ctx, s.AdminDSN())
	if err != nil {
		return fmt.Errorf("integration/kit: connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	stmt := "CREATE DATABASE " + quoteIdent(name, '"')
	if template != "" {
		stmt += " TEMPLATE " + quoteIdent(template, '"')
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("integration/kit: create database %s: %w", name, err)
	}
	return nil
}

// Postgres is the target of databases on the test binary's shared
// PostgreSQL server ([SharedPostgres]), opened with drivers/postgres.
func Postgres() Target {
	return Target{
		name:    "postgres",
		dialect: "postgres",
		server:  SharedPostgres,
		open: func(ctx context.Context, dsn string) (core.Driver, error) {
			return pgdriver.Open(ctx, dsn)
		},
		url: func(dsn string) string { return dsn },
	}
}

func (s *Server) dropPostgresDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.AdminDSN())
	if err != nil {
		return fmt.Errorf("integration/kit: connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	// FORCE ends the sessions a test left behind (a killed process's
	// backend that has not noticed yet).
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name, '"')+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("integration/kit: drop database %s: %w", name, err)
	}
	return nil
}
