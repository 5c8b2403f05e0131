package driver

import (
	"errors"
	"fmt"
)

// Sentinels, checked with errors.Is.
var (
	// ErrLockLost: the run's lock is no longer this runner's (the lock
	// connection was ended by the server, a proxy or an operator; a lease
	// expired and another runner took it over; the lock file was replaced).
	// The step that found it is rolled back where the dialect allows, and the
	// run stops without reporting success.
	ErrLockLost = errors.New("lock lost")
	// ErrLockTimeout: another runner held the lock longer than the wait.
	ErrLockTimeout = errors.New("lock wait timed out")
	// ErrUnsupported: the driver lacks an optional capability a step needs.
	ErrUnsupported = errors.New("not supported by this driver")
)

// LockError says which lock a runner waited for and who held it.
type LockError struct {
	Name   string
	Holder string
	Waited string
	Err    error
}

func (e *LockError) Error() string {
	msg := fmt.Sprintf("lock %q", e.Name)
	if e.Holder != "" {
		msg += " held by " + e.Holder
	}
	if e.Waited != "" {
		msg += ", waited " + e.Waited
	}
	return msg + ": " + e.Err.Error()
}

func (e *LockError) Unwrap() error { return e.Err }
