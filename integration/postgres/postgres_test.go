//go:build integration

// Package postgres_test runs the conformance suite and the
// organization-access pack tests on PostgreSQL 15 in a container: one
// container per package run, one fresh database per test.
package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/drivers/postgres"
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

func harness(t *testing.T) coretest.Opener {
	srv := kit.SharedPostgres(t)
	dsn, err := srv.CreateDatabase(context.Background(), fmt.Sprintf("gw_%d", dbSeq.Add(1)))
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	return func(t *testing.T) core.Driver {
		d, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
}

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, coretest.HarnessFunc(harness))
}

// TestPack runs the pack tests: on the minimal host tables, then on the
// real Open WebUI schema and rows of every generation (packtest.Run).
func TestPack(t *testing.T) {
	packtest.Run(t, coretest.HarnessFunc(harness))
}
