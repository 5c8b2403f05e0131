package core

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// FileLock is a cross-process lock on a file with flock(2): the kernel
// drops it when the holder's process dies, however it dies, so a killed
// runner never leaves a stuck lock. Drivers of file databases use it.
type FileLock struct {
	f    *os.File
	name string
}

// LockFile takes an exclusive flock on path, polling until wait has
// passed. The file records who holds it, for the error of the next one.
func LockFile(ctx context.Context, path, name string, wait time.Duration) (*FileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("core: lock file %s: %w", path, err)
	}
	err = LockPoll{Name: name + " (" + path + ")", Wait: wait,
		Try: func(context.Context) (bool, error) {
			err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("core: lock file %s: %w", path, err)
			}
			return true, nil
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
	return &FileLock{f: f, name: name}, nil
}

// Unlock implements Lock.
func (l *FileLock) Unlock(context.Context) error {
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
