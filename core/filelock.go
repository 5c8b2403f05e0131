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
	start := time.Now()
	delay := 5 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("core: lock file %s: %w", path, err)
		}
		if time.Since(start) >= wait {
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, &LockError{Name: name + " (" + path + ")", Holder: strings.TrimSpace(string(holder)),
				Waited: time.Since(start).Round(time.Millisecond).String(), Err: ErrLockTimeout}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &LockError{Name: name + " (" + path + ")", Waited: time.Since(start).Round(time.Millisecond).String(), Err: ctx.Err()}
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
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
