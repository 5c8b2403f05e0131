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
	"sync/atomic"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
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

var dbSeq atomic.Int64

// newDatabase creates an empty database for one test, dropped when the
// test passed, and returns its name and DSN.
func newDatabase(t *testing.T) (name, dsn string) {
	t.Helper()
	srv := kit.SharedMariaDB(t)
	name = fmt.Sprintf("gw_%d", dbSeq.Add(1))
	dsn, err := srv.CreateDatabase(context.Background(), name)
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keeping database %s of the failed test", name)
			return
		}
		if err := srv.DropDatabase(context.Background(), name); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	return name, dsn
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

func harness(t *testing.T) coretest.Opener {
	_, dsn := newDatabase(t)
	return func(t *testing.T) core.Driver { return open(t, dsn) }
}

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, coretest.HarnessFunc(harness))
}

func TestPack(t *testing.T) {
	packtest.Run(t, coretest.HarnessFunc(harness))
}
