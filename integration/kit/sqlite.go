package kit

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	sqlitedriver "github.com/groundworkdb/groundwork/drivers/sqlite"
)

// sqliteFile is the name of a test database file in its directory.
const sqliteFile = "groundwork.db"

// SQLite is the target of SQLite database files in each test's temporary
// directory, opened with drivers/sqlite. It needs no Docker.
func SQLite() Target {
	return Target{
		name:    "sqlite",
		dialect: "sqlite",
		open: func(_ context.Context, path string) (core.Driver, error) {
			return sqlitedriver.Open(path)
		},
		url: SQLiteURL,
	}
}

// SQLiteURL is the `groundwork --db` URL of the SQLite file at path:
// sqlite:////abs/path for an absolute path.
func SQLiteURL(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return "sqlite:///" + path
}

// newSQLite makes an empty database file (a zero-length file is a valid,
// empty SQLite database) in the test's temporary directory, which the
// test framework removes with the lock files beside it.
func (tg Target) newSQLite(t testing.TB) *Database {
	t.Helper()
	path := filepath.Join(t.TempDir(), sqliteFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("integration/kit: create sqlite database: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("integration/kit: create sqlite database: %v", err)
	}
	return tg.database(path, path)
}

// copySQLite copies a closed SQLite database file, and its write-ahead log
// when there is one, to dst.
func copySQLite(src, dst string) error {
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil {
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			return fmt.Errorf("integration/kit: copy sqlite database: %w", err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
