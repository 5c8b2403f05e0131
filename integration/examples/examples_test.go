//go:build integration

// Package examples_test runs the examples' convergence tests on every
// dialect: the customstep example's pack, registered beside the built-in
// organization-access pack, on the kit's targets (SQLite, PostgreSQL in a
// container) and on MariaDB in a container.
package examples_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/examples/customstep/quotas/quotastest"
	"github.com/groundworkdb/groundwork/integration/kit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestCustomStep: apply, apply again (nothing to do), verify; heal a
// dropped index; keep a changed row; skip the seed without an
// organization, on each dialect.
func TestCustomStep(t *testing.T) {
	mariadbInTargets := false
	for _, tg := range kit.Targets() {
		mariadbInTargets = mariadbInTargets || tg.Dialect() == "mysql"
		t.Run(tg.Name(), func(t *testing.T) {
			quotastest.Run(t, coretest.HarnessFunc(func(t *testing.T) coretest.Opener {
				db := tg.NewDatabase(t)
				return func(t *testing.T) core.Driver { return db.Open(t) }
			}))
		})
	}
	// Until kit.Targets includes MariaDB, it runs here on the shared
	// server; once it does, this is not needed (and is skipped).
	if !mariadbInTargets {
		t.Run("mariadb", func(t *testing.T) { quotastest.Run(t, coretest.HarnessFunc(mariadbHarness)) })
	}
}

var mariadbSeq atomic.Int64

func mariadbHarness(t *testing.T) coretest.Opener {
	srv := kit.SharedMariaDB(t)
	dsn, err := srv.CreateDatabase(context.Background(), fmt.Sprintf("gw_examples_%d_%d", os.Getpid(), mariadbSeq.Add(1)))
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	return func(t *testing.T) core.Driver {
		d, err := mysql.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
}
