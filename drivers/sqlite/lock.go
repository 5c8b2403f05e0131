package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/groundworkdb/groundwork/driver"
)

// Lock implements driver.Driver with an flock on a file beside the
// database ("<db>.<name>.lock"): the kernel releases it when the holding
// process dies. SQLite's own write lock cannot serve, because it would
// also shut out the runner's own connections; the busy timeout still
// makes each statement wait for the host application's writers.
//
// The lock belongs to the database file, not to the path it was reached
// by: the lock file sits beside the file the path resolves to (symlinks
// followed), and a database file with more than one hard link is also
// locked by its device and inode (".groundwork-<dev>-<inode>.<name>.lock"
// in its directory), so two runners that reach one file by two names
// exclude each other. (Hard links in two directories cannot be found
// from one another; SQLite itself warns against them.)
func (d *Driver) Lock(ctx context.Context, name string, wait time.Duration) (driver.Lock, error) {
	paths, err := LockPaths(d.path, name)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var held fileLocks
	for _, p := range paths {
		l, err := LockFile(ctx, p, name, max(wait-time.Since(start), 0))
		if err != nil {
			_ = held.Unlock(ctx)
			return nil, err
		}
		held = append(held, l)
	}
	if len(held) == 1 {
		return held[0], nil
	}
	return held, nil
}

// LockPaths are the lock files of the lock name of the database at
// path, in the order they are taken.
func LockPaths(path, name string) ([]string, error) {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Not created yet: resolve the directory, the file will be there.
		real = path
		if dir, derr := filepath.EvalSymlinks(filepath.Dir(path)); derr == nil {
			real = filepath.Join(dir, filepath.Base(path))
		}
	} else if err != nil {
		return nil, fmt.Errorf("drivers/sqlite: lock %q: resolve %s: %w", name, path, err)
	}
	paths := []string{real + "." + name + ".lock"}
	if fi, err := os.Stat(real); err == nil {
		if id, ok := hardLinked(fi); ok {
			paths = append(paths, filepath.Join(filepath.Dir(real), ".groundwork-"+id+"."+name+".lock"))
		}
	}
	return paths, nil
}

// fileLocks is a lock made of several file locks, all held.
type fileLocks []*FileLock

var (
	_ driver.Fencer      = fileLocks(nil)
	_ driver.LockChecker = fileLocks(nil)
)

func (ls fileLocks) CheckLock(ctx context.Context) error {
	for _, l := range ls {
		if err := l.CheckLock(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (ls fileLocks) Fence(ctx context.Context, tx *sql.Tx) error { return ls.CheckLock(ctx) }

func (ls fileLocks) Unlock(ctx context.Context) error {
	var errs []error
	for i := len(ls) - 1; i >= 0; i-- {
		errs = append(errs, ls[i].Unlock(ctx))
	}
	return errors.Join(errs...)
}
