package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"ariga.io/atlas/sql/migrate"
	atlaspg "ariga.io/atlas/sql/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/groundworkdb/groundwork/core"
	gwpg "github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// postgresDialect runs one server in a container of the local image
// (integration/kit; $GROUNDWORK_POSTGRES_IMAGE names another).
type postgresDialect struct {
	srv   *kit.Server
	admin *pgx.Conn
	next  atomic.Int64
}

func newPostgres(Config) *postgresDialect { return &postgresDialect{} }

func (d *postgresDialect) Name() string { return "postgres" }

func (d *postgresDialect) Start(ctx context.Context) error {
	if err := kit.DockerAvailable(); err != nil {
		return fmt.Errorf("bench: postgres needs Docker: %w", err)
	}
	srv, err := kit.StartPostgres(ctx)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	d.srv = srv
	admin, err := pgx.Connect(ctx, srv.AdminDSN())
	if err != nil {
		return fmt.Errorf("bench: postgres: admin connection: %w", err)
	}
	d.admin = admin
	return nil
}

func (d *postgresDialect) Close(ctx context.Context) error {
	if d.admin != nil {
		_ = d.admin.Close(ctx)
	}
	return d.srv.Terminate(ctx)
}

func (d *postgresDialect) name() string { return fmt.Sprintf("bench_%d", d.next.Add(1)) }

func (d *postgresDialect) Create(ctx context.Context) (*Database, error) {
	name := d.name()
	dsn, err := d.srv.CreateDatabase(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &Database{Name: name, DSN: dsn}, nil
}

func (d *postgresDialect) Clone(ctx context.Context, src *Database) (*Database, error) {
	name := d.name()
	dsn, err := d.srv.CreateDatabaseFromTemplate(ctx, name, src.Name)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &Database{Name: name, DSN: dsn}, nil
}

func (d *postgresDialect) Drop(ctx context.Context, db *Database) error {
	// WITH (FORCE): a backend of a closed pool may not have exited yet.
	if _, err := d.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db.Name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("bench: postgres: drop %s: %w", db.Name, err)
	}
	return nil
}

// Connector connects as drivers/postgres.Open does: pgx, one round trip
// per statement (exec mode, nothing prepared), application_name set.
func (d *postgresDialect) Connector(db *Database) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(db.DSN)
	if err != nil {
		return nil, fmt.Errorf("bench: postgres: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.RuntimeParams["application_name"] = "groundwork-bench"
	return stdlib.GetConnector(*cfg), nil
}

func (d *postgresDialect) Groundwork(sqldb *sql.DB, _ *Database) core.Driver {
	return gwpg.New(bun.NewDB(sqldb, pgdialect.New()))
}

func (d *postgresDialect) URL(db *Database) string { return db.DSN }

// FloorCommand runs psql on the host against the container's published
// port, without reading ~/.psqlrc, stopping at the first error.
func (d *postgresDialect) FloorCommand(db *Database, scriptPath string) (*exec.Cmd, error) {
	bin, err := psqlBinary()
	if err != nil {
		return nil, fmt.Errorf("bench: the psql client is needed for the floor: %w", err)
	}
	cmd := exec.Command(bin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.DSN, "-f", scriptPath)
	cmd.Env = append(os.Environ(), "PGAPPNAME=groundwork-bench-floor")
	return cmd, nil
}

func (d *postgresDialect) Script(statements []string) string {
	return scriptOf("BEGIN;\n", "COMMIT;\n", statements)
}

func (d *postgresDialect) Gorm(sqldb *sql.DB) gorm.Dialector {
	return gormpg.New(gormpg.Config{Conn: sqldb})
}

func (d *postgresDialect) Atlas(sqldb *sql.DB) (migrate.Driver, error) {
	return atlaspg.Open(sqldb)
}

func (d *postgresDialect) AtlasSchema(*Database) string { return "public" }

func (d *postgresDialect) Analyze() string { return "ANALYZE" }

// AtRest implements Dialect: what autovacuum leaves a table that took
// inserts (its insert threshold, PostgreSQL 13+).
func (d *postgresDialect) AtRest() string { return "VACUUM ANALYZE" }

func (d *postgresDialect) Goose() goose.Dialect { return goose.DialectPostgres }

func (d *postgresDialect) Explain(ctx context.Context, sqldb *sql.DB, query string, args ...any) (string, error) {
	rows, err := sqldb.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// psqlBinary is psql itself: on Debian the psql on PATH is pg_wrapper, a
// Perl script that costs some 60 ms per start before psql runs, which
// would flatter every ratio against the floor.
func psqlBinary() (string, error) {
	if found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/psql"); len(found) > 0 {
		sort.Strings(found)
		return found[len(found)-1], nil
	}
	return exec.LookPath("psql")
}

func (d *postgresDialect) ServerAddr() string { return net.JoinHostPort(d.srv.Host(), d.srv.Port()) }

// Via rewrites the DSN's host and port (the kit's DSNs are URLs).
func (d *postgresDialect) Via(db *Database, addr string) (*Database, error) {
	u, err := url.Parse(db.DSN)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bench: postgres: DSN of %s is not a URL", db.Name)
	}
	u.Host = addr
	return &Database{Name: db.Name, DSN: u.String()}, nil
}

func (d *postgresDialect) GooseCLI(db *Database) (string, string) { return "postgres", db.DSN }
