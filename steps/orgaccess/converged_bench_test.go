package orgaccess_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// BenchmarkConvergedRestartSQLite is drivers/postgres'
// BenchmarkConvergedRestart on SQLite: a converged apply (the restart of
// every replica) and a verify over GROUNDWORK_BENCH_MEMBERS users
// (default 100000), all members of the development organization; with
// GROUNDWORK_BENCH_STEPS set it logs the steps over 5 ms:
//
//	go test -run '^$' -bench BenchmarkConvergedRestartSQLite -benchtime 20x ./steps/orgaccess/
func BenchmarkConvergedRestartSQLite(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("GROUNDWORK_BENCH_MEMBERS"))
	if n <= 0 {
		n = 100000
	}
	ctx := context.Background()
	d := openHostTables(b, filepath.Join(b.TempDir(), "bench.db"))
	defer d.Close()
	if _, err := d.DB().DB.ExecContext(ctx, `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < `+strconv.Itoa(n)+`)
INSERT INTO "user" (id, name, email, role, created_at) SELECT 'u-' || hex(randomblob(16)), 'U', 'u' || i || '@example.com', 'user', 1 FROM g`); err != nil {
		b.Fatal(err)
	}
	full, err := core.NewRegistry(orgaccess.Steps(packtest.DevConfig())...)
	if err != nil {
		b.Fatal(err)
	}
	if rep, err := core.NewRunner(d, full).Apply(ctx); err != nil || !rep.Changed {
		b.Fatalf("first apply: %v", err)
	}
	packtest.BenchConvergedRestart(b, d, full, n)
}

// openHostTables opens an SQLite database at path with the opt-in host
// tables (orgaccess.HostTables) applied.
func openHostTables(b *testing.B, path string) *sqlite.Driver {
	b.Helper()
	d, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(context.Background()); err != nil {
		b.Fatal(err)
	}
	return d
}
