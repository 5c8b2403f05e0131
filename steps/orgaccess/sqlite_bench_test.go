package orgaccess_test

import (
	"context"
	"fmt"
	"io"
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
	n := benchSize("GROUNDWORK_BENCH_MEMBERS", 100000)
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

// BenchmarkLinkModelsSQLite is the bench harness's W4 in-process, for a
// profile: GROUNDWORK_BENCH_MODELS models (default 1000) already in Open
// WebUI's model table are configured on a database the pack has applied
// without them, and one apply links them all. Each run starts from a copy
// of that database (outside the timer):
//
//	go test -run '^$' -bench BenchmarkLinkModelsSQLite -benchtime 50x -cpuprofile cpu.out ./steps/orgaccess/
func BenchmarkLinkModelsSQLite(b *testing.B) {
	n := benchSize("GROUNDWORK_BENCH_MODELS", 1000)
	ctx := context.Background()
	dir := b.TempDir()
	template := filepath.Join(dir, "template.db")
	d := openHostTables(b, template)
	cfg := packtest.DevConfig()
	if _, err := core.NewRunner(d, benchRegistry(b, orgaccess.Steps(cfg)...)).Apply(ctx); err != nil {
		b.Fatal(err)
	}
	models := make([]string, n)
	for i := range models {
		models[i] = fmt.Sprintf("bench/model-%d", i+1)
		if _, err := d.DB().DB.ExecContext(ctx, `INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, created_at, updated_at) VALUES (?, 'system', ?, ?, '{}', '{}', 1, 0, 0)`, models[i], models[i], models[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
	cfg.Models = models
	reg := benchRegistry(b, orgaccess.Steps(cfg)...)
	var queries int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(dir, "run"+strconv.Itoa(i)+".db")
		copyFile(b, template, path)
		d, err := sqlite.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := core.NewRunner(d, reg).Apply(ctx)
		if err != nil || !rep.Changed {
			b.Fatalf("apply: %v", err)
		}
		b.StopTimer()
		queries = rep.Queries
		d.Close()
		os.Remove(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(queries), "queries/op")
}

func benchRegistry(b *testing.B, steps ...core.Step) *core.Registry {
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		b.Fatal(err)
	}
	return reg
}

func copyFile(b *testing.B, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchSize is the positive number in the environment variable name, else
// def.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
