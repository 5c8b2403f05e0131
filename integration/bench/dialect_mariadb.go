package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"

	"ariga.io/atlas/sql/migrate"
	atlasmysql "ariga.io/atlas/sql/mysql"
	"github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"

	"github.com/groundworkdb/groundwork/core"
	gwmysql "github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// mariadbDialect runs one MariaDB server in a container of the local
// image ($GROUNDWORK_MARIADB_IMAGE names another), through drivers/mysql.
type mariadbDialect struct {
	srv   *kit.Server
	admin *sql.DB
	next  atomic.Int64
}

func newMariaDB(Config) *mariadbDialect { return &mariadbDialect{} }

func (d *mariadbDialect) Name() string { return "mariadb" }

func (d *mariadbDialect) Start(ctx context.Context) error {
	if err := kit.DockerAvailable(); err != nil {
		return fmt.Errorf("bench: mariadb needs Docker: %w", err)
	}
	srv, err := kit.StartMariaDB(ctx)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	d.srv = srv
	connector, err := mariadbConnector(srv.AdminDSN())
	if err != nil {
		return err
	}
	d.admin = sql.OpenDB(connector)
	return d.admin.PingContext(ctx)
}

func (d *mariadbDialect) Close(ctx context.Context) error {
	if d.admin != nil {
		_ = d.admin.Close()
	}
	return d.srv.Terminate(ctx)
}

func (d *mariadbDialect) Create(ctx context.Context) (*Database, error) {
	name := fmt.Sprintf("bench_%d", d.next.Add(1))
	dsn, err := d.srv.CreateDatabase(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &Database{Name: name, DSN: dsn}, nil
}

// Clone copies src table by table (MariaDB has no template databases):
// each table as SHOW CREATE TABLE made it, foreign keys included, then
// its rows, then the views, their schema name rewritten.
func (d *mariadbDialect) Clone(ctx context.Context, src *Database) (*Database, error) {
	dst, err := d.Create(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := d.admin.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", src.Name)
	if err != nil {
		return nil, err
	}
	var tables, views []string
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			rows.Close()
			return nil, err
		}
		if kind == "VIEW" {
			views = append(views, name)
		} else {
			tables = append(tables, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	// The session copies in any order; its own foreign-key checks are off.
	stmts := []string{"SET SESSION foreign_key_checks = 0", "USE " + q(dst.Name)}
	for _, t := range tables {
		var name, ddl string
		if err := conn.QueryRowContext(ctx, "SHOW CREATE TABLE "+q(src.Name)+"."+q(t)).Scan(&name, &ddl); err != nil {
			return nil, fmt.Errorf("bench: mariadb: clone %s: %w", t, err)
		}
		stmts = append(stmts, ddl, "INSERT INTO "+q(dst.Name)+"."+q(t)+" SELECT * FROM "+q(src.Name)+"."+q(t))
	}
	for _, v := range views {
		var name, ddl, charset, collation string
		if err := conn.QueryRowContext(ctx, "SHOW CREATE VIEW "+q(src.Name)+"."+q(v)).Scan(&name, &ddl, &charset, &collation); err != nil {
			return nil, fmt.Errorf("bench: mariadb: clone view %s: %w", v, err)
		}
		stmts = append(stmts, strings.ReplaceAll(ddl, q(src.Name)+".", q(dst.Name)+"."))
	}
	stmts = append(stmts, "SET SESSION foreign_key_checks = 1")
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("bench: mariadb: clone %s: %s: %w", src.Name, firstWords(s), err)
		}
	}
	return dst, nil
}

func (d *mariadbDialect) Drop(ctx context.Context, db *Database) error {
	return d.srv.DropDatabase(ctx, db.Name)
}

// mariadbConnector connects as drivers/mysql.Open does.
func mariadbConnector(dsn string) (driver.Connector, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: mariadb: %w", err)
	}
	cfg.ParseTime = true
	cfg.ClientFoundRows = false
	// As the driver binds: in the client, one round trip per statement
	// (not a prepare, execute and close).
	cfg.InterpolateParams = true
	return mysql.NewConnector(cfg)
}

func (d *mariadbDialect) Connector(db *Database) (driver.Connector, error) {
	return mariadbConnector(db.DSN)
}

func (d *mariadbDialect) Groundwork(sqldb *sql.DB, _ *Database) core.Driver {
	return gwmysql.New(bun.NewDB(sqldb, mysqldialect.New()))
}

func (d *mariadbDialect) URL(db *Database) string {
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		return ""
	}
	u := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + cfg.DBName}
	return u.String()
}

// FloorCommand runs the mariadb (or mysql) client on the host against the
// container's published port.
func (d *mariadbDialect) FloorCommand(db *Database, scriptPath string) (*exec.Cmd, error) {
	bin, err := exec.LookPath("mariadb")
	if err != nil {
		if bin, err = exec.LookPath("mysql"); err != nil {
			return nil, fmt.Errorf("bench: the mariadb client is needed for the floor (apt-get install mariadb-client): %w", err)
		}
	}
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	cmd := exec.Command(bin, "--no-defaults", "--protocol=TCP", "-h", host, "-P", port, "-u", cfg.User, cfg.DBName,
		"-e", "source "+scriptPath)
	cmd.Env = append(cmd.Environ(), "MYSQL_PWD="+cfg.Passwd)
	return cmd, nil
}

func (d *mariadbDialect) Script(statements []string) string {
	return scriptOf("START TRANSACTION;\n", "COMMIT;\n", statements)
}

func (d *mariadbDialect) Gorm(sqldb *sql.DB) gorm.Dialector {
	return gormmysql.New(gormmysql.Config{Conn: sqldb})
}

func (d *mariadbDialect) Atlas(sqldb *sql.DB) (migrate.Driver, error) {
	return atlasmysql.Open(sqldb)
}

func (d *mariadbDialect) AtlasSchema(db *Database) string { return db.Name }

func (d *mariadbDialect) Goose() goose.Dialect { return goose.DialectMySQL }

// Analyze gathers the statistics of the tables the view reads.
func (d *mariadbDialect) Analyze() string {
	return "ANALYZE TABLE `user`, `model`, `client_organizations`, `organization_models`, `organization_members`"
}

// AtRest implements Dialect: InnoDB keeps no visibility map to fill in;
// its statistics are refreshed as rows change.
func (d *mariadbDialect) AtRest() string { return "" }

// Explain shows MariaDB's EXPLAIN, one line per row: table, access type,
// key and extra.
func (d *mariadbDialect) Explain(ctx context.Context, sqldb *sql.DB, query string, args ...any) (string, error) {
	rows, err := sqldb.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var parts []string
		for i, c := range cols {
			if vals[i].Valid {
				parts = append(parts, c+"="+vals[i].String)
			}
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

func (d *mariadbDialect) ServerAddr() string { return net.JoinHostPort(d.srv.Host(), d.srv.Port()) }

func (d *mariadbDialect) Via(db *Database, addr string) (*Database, error) {
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		return nil, fmt.Errorf("bench: mariadb: %w", err)
	}
	cfg.Addr = addr
	return &Database{Name: db.Name, DSN: cfg.FormatDSN()}, nil
}

func (d *mariadbDialect) GooseCLI(db *Database) (string, string) { return "mysql", db.DSN }
