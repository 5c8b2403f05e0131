//go:build integration

// Package scenarios_test proves groundwork's invariants end to end, on
// every dialect the kit offers (SQLite files and PostgreSQL in a container;
// MariaDB once its driver exists): fresh and existing deployments,
// self-healing, drift that must not be "fixed", many replicas at once,
// crashes at random points, lock timeouts and bad input. The process-level
// scenarios run the real `groundwork` binary, built once by TestMain.
//
//	go test -tags integration -count=1 ./integration/scenarios/ -v
//
// Measured figures are logged with the prefix "measure:".
package scenarios_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer testbin.Cleanup()
	start := time.Now()
	if _, err := testbin.Build(); err != nil {
		fmt.Fprintln(os.Stderr, "scenarios:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "measure: built the groundwork binary in %s\n", time.Since(start).Round(time.Millisecond))
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	fmt.Fprintf(os.Stderr, "measure: scenarios package wall time %s\n", time.Since(start).Round(time.Millisecond))
	return code
}
