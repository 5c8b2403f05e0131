//go:build integration

// Package postgres_test runs the conformance suite and the
// organization-access pack tests on PostgreSQL 15 in a container: one
// container per package run, one fresh database per test.
package postgres_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
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

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, kit.Postgres().Harness())
}

// TestPack runs the pack tests: on the minimal host tables, then on the
// real Open WebUI schema and rows of every generation (packtest.Run).
func TestPack(t *testing.T) {
	packtest.Run(t, kit.Postgres().Harness())
}
