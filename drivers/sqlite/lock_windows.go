package sqlite

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// tryLockFile takes an exclusive LockFileEx lock on f's first byte
// without waiting: false when another process holds it. Like flock, the
// system releases it when the holder's process ends.
func tryLockFile(f *os.File) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
}

// hardLinked: on Windows the lock file beside the resolved path is the
// only one; a second hard link to the database is not detected.
func hardLinked(fs.FileInfo) (string, bool) { return "", false }

// fileID: no device and inode here; the busy error names no holder (the
// holder comes from Linux's /proc/locks anyway).
func fileID(fs.FileInfo) (dev, ino, nlink uint64, ok bool) { return 0, 0, 0, false }
