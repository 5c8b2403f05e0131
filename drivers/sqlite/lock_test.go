package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

func openPath(t *testing.T, path string, opts ...sqlite.Option) *sqlite.Driver {
	t.Helper()
	d, err := sqlite.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.DB().Ping(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLockKeyedByFile: two runners that reach one database file by two
// names (a symlink, a hard link) exclude each other.
func TestLockKeyedByFile(t *testing.T) {
	for _, link := range []string{"symlink", "hard link", "symlinked directory"} {
		t.Run(link, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "webui.db")
			first := openPath(t, db)
			other := filepath.Join(dir, "other.db")
			var err error
			switch link {
			case "symlink":
				err = os.Symlink(db, other)
			case "hard link":
				err = os.Link(db, other)
			default: // the directory reached through a symlink
				linkDir := t.TempDir()
				other = filepath.Join(linkDir, "data", "webui.db")
				err = os.Symlink(dir, filepath.Join(linkDir, "data"))
			}
			if err != nil {
				t.Fatal(err)
			}
			second := openPath(t, other)
			ctx := context.Background()
			held, err := first.Lock(ctx, "groundwork", time.Second)
			if err != nil {
				t.Fatal(err)
			}
			_, err = second.Lock(ctx, "groundwork", 100*time.Millisecond)
			if !errors.Is(err, driver.ErrLockTimeout) {
				t.Fatalf("the lock through the %s: %v, want driver.ErrLockTimeout", link, err)
			}
			t.Logf("%v", err)
			if err := held.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
			again, err := second.Lock(ctx, "groundwork", time.Second)
			if err != nil {
				t.Fatalf("after unlock: %v", err)
			}
			_ = again.Unlock(ctx)
		})
	}
}

// TestBusyTimeoutNamesWriteLock: another process (the sqlite3 shell,
// standing in for the host application) holds the database's write lock
// longer than the busy timeout the runner was given. The step fails with
// a LockError that names the database file's write lock and the holder.
func TestBusyTimeoutNamesWriteLock(t *testing.T) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("no sqlite3 shell to hold the write lock from another process")
	}
	db := filepath.Join(t.TempDir(), "webui.db")
	d := openPath(t, db, sqlite.WithBusyTimeout(300*time.Millisecond))

	cmd := exec.Command(shell, db)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	_, _ = io.WriteString(stdin, "BEGIN IMMEDIATE;\nCREATE TABLE host_table (x);\nSELECT 'ready';\n")
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("the shell did not take the write lock: %q %v", line, err)
	}

	reg, err := core.NewRegistry(tableStep{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Apply(context.Background())
	var le *driver.LockError
	if !errors.Is(err, driver.ErrLockTimeout) || !errors.Is(err, sqlite.ErrBusy) || !errors.As(err, &le) {
		t.Fatalf("apply: %v, want a LockError with driver.ErrLockTimeout", err)
	}
	if !strings.Contains(le.Name, "write lock of the database file "+db) {
		t.Errorf("lock name %q: want the database file's write lock", le.Name)
	}
	if !strings.Contains(le.Holder, "sqlite3") {
		t.Errorf("holder %q: want the sqlite3 process", le.Holder)
	}
	if le.Waited != "300ms" {
		t.Errorf("waited %q, want the busy timeout given", le.Waited)
	}
	if rep.Status != core.RunFailed {
		t.Errorf("status %s", rep.Status)
	}
	t.Logf("%v", err)
}

type tableStep struct{}

func (tableStep) Info() core.StepInfo {
	return core.StepInfo{ID: "test:table", Description: "creates a table"}
}

func (tableStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	return &core.Plan{Changes: []core.Change{{Summary: "create table gw_busy",
		Statements: []driver.Statement{{SQL: "CREATE TABLE gw_busy (id INTEGER)"}}}}}, nil
}
