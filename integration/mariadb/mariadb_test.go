//go:build integration

// Package mariadb_test runs the conformance suite, the
// organization-access pack tests and the MySQL driver's own server tests
// on MariaDB 10.11 in a container: one container per package run, one
// fresh database per test.
package mariadb_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// newDatabase creates an empty database for one test (the kit's, as the
// suites' harness does), and returns its name and DSN.
func newDatabase(t *testing.T) (name, dsn string) {
	t.Helper()
	db := kit.MariaDB().NewDatabase(t)
	return db.Name, db.DSN
}

// open opens a driver on dsn, closed when the test ends.
func open(t *testing.T, dsn string) *mysql.Driver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := mysql.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, kit.MariaDB().Harness())
}

func TestPack(t *testing.T) {
	packtest.Run(t, kit.MariaDB().Harness())
}
