// Package drivertest is the conformance suite every groundwork driver
// passes: SQLite in every `go test ./...`, PostgreSQL and MariaDB in
// integration/. A driver's test calls RunConformanceTests with a Harness.
package drivertest

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// Harness gives the suite fresh databases.
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
