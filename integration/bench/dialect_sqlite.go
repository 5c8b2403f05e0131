package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"

	"ariga.io/atlas/sql/migrate"
	atlassqlite "ariga.io/atlas/sql/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	msqlite "modernc.org/sqlite"

	"github.com/groundworkdb/groundwork/core"
	gwsqlite "github.com/groundworkdb/groundwork/drivers/sqlite"
)

// sqliteDialect keeps its database files in a temporary directory.
type sqliteDialect struct {
	dir  string
	next atomic.Int64
	cfg  Config
}

func newSQLite(cfg Config) *sqliteDialect { return &sqliteDialect{cfg: cfg} }

func (d *sqliteDialect) Name() string { return "sqlite" }

func (d *sqliteDialect) Start(context.Context) error {
	dir, err := os.MkdirTemp(d.cfg.TempDir, "gwbench-sqlite-")
	if err != nil {
		return fmt.Errorf("bench: sqlite: %w", err)
	}
	d.dir = dir
	return nil
}

func (d *sqliteDialect) Close(context.Context) error {
	if d.dir == "" {
		return nil
	}
	return os.RemoveAll(d.dir)
}

func (d *sqliteDialect) Create(context.Context) (*Database, error) {
	path := filepath.Join(d.dir, fmt.Sprintf("bench_%d.db", d.next.Add(1)))
	return &Database{Name: path, DSN: sqliteDSN(path, d.cfg.SQLitePragmas)}, nil
}

// sqliteDSN is the DSN drivers/sqlite.Open builds: the same pragmas and
// transaction mode, so every tool runs with groundwork's settings; extra
// pragmas (Config.SQLitePragmas) try a driver change before it is made.
func sqliteDSN(path string, extra []string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", gwsqlite.BusyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	for _, p := range extra {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func (d *sqliteDialect) Clone(ctx context.Context, src *Database) (*Database, error) {
	dst, err := d.Create(ctx)
	if err != nil {
		return nil, err
	}
	if err := copyFile(src.Name, dst.Name); err != nil {
		return nil, fmt.Errorf("bench: sqlite: clone %s: %w", src.Name, err)
	}
	return dst, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func (d *sqliteDialect) Drop(_ context.Context, db *Database) error {
	matches, err := filepath.Glob(db.Name + "*")
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("bench: sqlite: drop: %w", err)
		}
	}
	return nil
}

type sqliteConnector struct{ dsn string }

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	return (&msqlite.Driver{}).Open(c.dsn)
}

func (c sqliteConnector) Driver() driver.Driver { return &msqlite.Driver{} }

func (d *sqliteDialect) Connector(db *Database) (driver.Connector, error) {
	return sqliteConnector{dsn: db.DSN}, nil
}

func (d *sqliteDialect) Groundwork(sqldb *sql.DB, db *Database) core.Driver {
	return gwsqlite.New(bun.NewDB(sqldb, sqlitedialect.New()), db.Name)
}

func (d *sqliteDialect) URL(db *Database) string {
	abs, err := filepath.Abs(db.Name)
	if err != nil {
		abs = db.Name
	}
	return "sqlite:///" + abs
}

func (d *sqliteDialect) FloorCommand(db *Database, scriptPath string) (*exec.Cmd, error) {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		return nil, fmt.Errorf("bench: the sqlite3 command-line client is needed for the floor: %w", err)
	}
	if strings.ContainsAny(scriptPath, "'\n") {
		return nil, fmt.Errorf("bench: script path %q cannot be quoted for sqlite3", scriptPath)
	}
	return exec.Command(bin, "-bail", db.Name, ".read '"+scriptPath+"'"), nil
}

// Script sets what drivers/sqlite sets per connection (foreign keys, busy
// timeout) and runs everything in one immediate transaction.
func (d *sqliteDialect) Script(statements []string) string {
	head := fmt.Sprintf("PRAGMA foreign_keys = ON;\nPRAGMA busy_timeout = %d;\nBEGIN IMMEDIATE;\n", gwsqlite.BusyTimeoutMS)
	return scriptOf(head, "COMMIT;\n", statements)
}

func (d *sqliteDialect) Gorm(sqldb *sql.DB) gorm.Dialector {
	return gormsqlite.New(gormsqlite.Config{Conn: sqldb})
}

func (d *sqliteDialect) Atlas(sqldb *sql.DB) (migrate.Driver, error) {
	return atlassqlite.Open(sqldb)
}

func (d *sqliteDialect) AtlasSchema(*Database) string { return "main" }

func (d *sqliteDialect) Analyze() string { return "ANALYZE" }

// AtRest implements Dialect: SQLite does no maintenance of its own.
func (d *sqliteDialect) AtRest() string { return "" }

func (d *sqliteDialect) Goose() goose.Dialect { return goose.DialectSQLite3 }

func (d *sqliteDialect) Explain(ctx context.Context, sqldb *sql.DB, query string, args ...any) (string, error) {
	rows, err := sqldb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

func (d *sqliteDialect) GooseCLI(db *Database) (string, string) { return "sqlite3", db.Name }
