package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/driver"
)

// FileLock is a cross-process lock on a file: flock(2) on Unix,
// LockFileEx on Windows (lock_unix.go, lock_windows.go). The kernel drops
// it when the holder's process dies, however it dies, so a killed runner
// never leaves a stuck lock.
//
// A flock lives on the file's inode, not its name: when the lock file is
// removed or replaced while held (a cleanup job, a restore), the next
// runner locks a new file. Fence and CheckLock notice: the path no
// longer names the file this lock holds.
type FileLock struct {
	f    *os.File
	path string
	name string
}

var (
	_ driver.Fencer      = (*FileLock)(nil)
	_ driver.LockChecker = (*FileLock)(nil)
)

// LockFile takes an exclusive flock on path, polling until wait has
// passed. The file records who holds it, for the error of the next one.
func LockFile(ctx context.Context, path, name string, wait time.Duration) (*FileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: lock file %s: %w", path, err)
	}
	err = driver.LockPoll{Name: name + " (" + path + ")", Wait: wait,
		Try: func(context.Context) (bool, error) {
			ok, err := tryLockFile(f)
			if err != nil {
				return false, fmt.Errorf("drivers/sqlite: lock file %s: %w", path, err)
			}
			return ok, nil
		},
		Holder: func(context.Context) string {
			holder, _ := os.ReadFile(path)
			return strings.TrimSpace(string(holder))
		},
	}.Poll(ctx)
	if err != nil {
		f.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	return &FileLock{f: f, path: path, name: name}, nil
}

// CheckLock implements LockChecker: the lock file is still the one this
// lock holds.
func (l *FileLock) CheckLock(context.Context) error {
	held, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("drivers/sqlite: lock %q: check it: %w", l.name, err)
	}
	now, err := os.Stat(l.path)
	if err == nil && os.SameFile(held, now) {
		return nil
	}
	what := "replaced"
	if errors.Is(err, os.ErrNotExist) {
		what = "removed"
	}
	return fmt.Errorf("drivers/sqlite: lock %q is no longer held: its file %s was %s while held, so another runner can lock a new one: %w",
		l.name, l.path, what, driver.ErrLockLost)
}

// Fence implements Fencer. A file database's write transaction holds the
// database's own write lock until it ends, so no one else writes before
// this commit: checking the file is enough.
func (l *FileLock) Fence(ctx context.Context, _ *sql.Tx) error { return l.CheckLock(ctx) }

// Unlock implements Lock.
func (l *FileLock) Unlock(context.Context) error {
	_ = l.f.Truncate(0)
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
