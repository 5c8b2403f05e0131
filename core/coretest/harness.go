// Package coretest holds what tests of groundwork and of its users share
// whatever they test: fresh databases (Harness), a report rendered for a
// failure message (Dump) and a transaction counter. It depends on core
// only, so a driver's, a step's or a pack's tests can all use it; the
// conformance suite every driver passes is drivers/drivertest.
package coretest

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// Harness gives a test fresh databases.
type Harness interface {
	// NewDatabase creates a fresh, empty database and returns an opener:
	// each call opens an independent driver (its own connections) on that
	// database, closed when the test ends.
	NewDatabase(t *testing.T) Opener
}

// Opener opens a driver on one database.
type Opener func(t *testing.T) core.Driver

// HarnessFunc adapts a function to Harness.
type HarnessFunc func(t *testing.T) Opener

// NewDatabase implements Harness.
func (f HarnessFunc) NewDatabase(t *testing.T) Opener { return f(t) }
