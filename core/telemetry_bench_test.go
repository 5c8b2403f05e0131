package core_test

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/usage"
)

// packRegistry is the CLI's registry: host tables, both packs, an
// organization with its key.
func packRegistry(tb testing.TB) (*core.Registry, core.Selection) {
	tb.Helper()
	cfg := orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: benchKey}
	steps := append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(cfg)...)
	steps = append(steps, usage.Steps()...)
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		tb.Fatal(err)
	}
	return reg, core.Selection{Include: []string{orgaccess.HostTablesID}}
}

// BenchmarkWarmApply is the warm start (everything converged) on SQLite,
// with the options given: telemetry off must cost nothing measurable.
func BenchmarkWarmApply(b *testing.B) {
	for _, bc := range warmCases() {
		b.Run(bc.name, func(b *testing.B) {
			d := sqlitetest.Open(b)
			reg, sel := packRegistry(b)
			ctx := context.Background()
			opts := append([]core.Option{core.WithSelection(sel)}, bc.opts(b)...)
			if _, err := core.NewRunner(d, reg, opts...).Apply(ctx); err != nil {
				b.Fatal(err)
			}
			var queries int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rep, err := core.NewRunner(d, reg, opts...).Apply(ctx)
				if err != nil || rep.Changed {
					b.Fatalf("warm apply: %v, changed %t", err, rep.Changed)
				}
				queries = rep.Queries
			}
			b.ReportMetric(float64(queries), "queries/run")
		})
	}
}
