//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on f without waiting: false when
// another process holds it.
func tryLockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// fileID is the device and inode of a file, and its number of links.
func fileID(fi fs.FileInfo) (dev, ino, nlink uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	return uint64(st.Dev), st.Ino, uint64(st.Nlink), true
}

// hardLinked names a file with more than one hard link by its device and
// inode, which every name of it shares.
func hardLinked(fi fs.FileInfo) (string, bool) {
	dev, ino, nlink, ok := fileID(fi)
	if !ok || nlink <= 1 {
		return "", false
	}
	return fmt.Sprintf("%d-%d", dev, ino), true
}
