package sqlite

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/groundworkdb/groundwork/driver"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrBusy: the database file's write lock stayed with another connection
// or process (the host application, say) for the whole busy timeout. It
// comes wrapped in a *driver.LockError, beside driver.ErrLockTimeout.
var ErrBusy = errors.New("database file write lock busy")

// ExplainError implements driver.ErrorExplainer: SQLITE_BUSY, which SQLite
// returns once the busy timeout has passed with another connection still
// holding the database file's write lock, becomes a *driver.LockError
// wrapping driver.ErrLockTimeout that names that lock and, where
// /proc/locks shows it, the processes holding it.
func (d *Driver) ExplainError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
		return err
	}
	var le *driver.LockError
	if errors.As(err, &le) {
		return err
	}
	return &driver.LockError{
		Name:   "the write lock of the database file " + d.path,
		Holder: busyHolder(d.path),
		Waited: d.busy.String(),
		Err:    &busyError{err: err},
	}
}

// busyHolder says who holds a write lock on the database file (rollback
// journal) or its -shm file (WAL), from /proc/locks: "another process
// (pid 4242 python3)". SQLite itself does not say.
func busyHolder(path string) string {
	const unknown = "another connection or process (the host application, say)"
	inodes := map[string]bool{}
	for _, p := range []string{path, path + "-shm"} {
		if fi, err := os.Stat(p); err == nil {
			if dev, ino, _, ok := fileID(fi); ok {
				inodes[lockID(dev, ino)] = true
			}
		}
	}
	f, err := os.Open("/proc/locks")
	if err != nil || len(inodes) == 0 {
		return unknown
	}
	defer f.Close()
	self := strconv.Itoa(os.Getpid())
	var holders []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 1073741824 1073741825";
		// a waiter's line has "->" after the number.
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && fields[1] == "->" {
			continue
		}
		if len(fields) < 6 || fields[3] != "WRITE" || !inodes[fields[5]] || fields[4] == self || seen[fields[4]] {
			continue
		}
		seen[fields[4]] = true
		h := "pid " + fields[4]
		if comm, err := os.ReadFile("/proc/" + fields[4] + "/comm"); err == nil {
			h += " " + strings.TrimSpace(string(comm))
		}
		holders = append(holders, h)
	}
	if len(holders) == 0 {
		return unknown
	}
	return "another process (" + strings.Join(holders, ", ") + ")"
}

// lockID is a file's device and inode as /proc/locks writes them:
// major:minor in hex, the inode in decimal.
func lockID(dev, ino uint64) string {
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	return fmt.Sprintf("%02x:%02x:%d", major, minor, ino)
}

// busyError is the Err of a busy LockError: it reads as the lock timeout
// with SQLite's own message, and is both driver.ErrLockTimeout and ErrBusy.
type busyError struct{ err error }

func (e *busyError) Error() string { return fmt.Sprintf("%v (%v)", driver.ErrLockTimeout, e.err) }

func (e *busyError) Unwrap() []error { return []error{driver.ErrLockTimeout, ErrBusy, e.err} }
