package packtest

import (
	"context"
	"os"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// BenchConvergedRestart measures a converged apply (the restart of every
// replica) and a verify of reg on d, as sub-benchmarks "apply" and
// "verify", reporting queries per run and the users the caller seeded;
// with GROUNDWORK_BENCH_STEPS set it logs the steps over 5 ms. The
// caller has applied reg once.
func BenchConvergedRestart(b *testing.B, d core.Driver, reg *core.Registry, users int) {
	ctx := context.Background()
	logSteps := os.Getenv("GROUNDWORK_BENCH_STEPS") != ""
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		b.Run(mode, func(b *testing.B) {
			var queries int64
			for b.Loop() {
				r := core.NewRunner(d, reg)
				run := r.Apply
				if mode == core.ModeVerify {
					run = r.Verify
				}
				rep, err := run(ctx)
				if err != nil || rep.Changed || rep.Status != core.RunConverged {
					b.Fatalf("%s: %v, changed %t, %s", mode, err, rep.Changed, rep.Status)
				}
				queries = rep.Queries
				if logSteps {
					for _, st := range rep.Steps {
						if st.DurationMS > 5 {
							b.Logf("%s: step %s %.1f ms", mode, st.ID, st.DurationMS)
						}
					}
				}
			}
			b.ReportMetric(float64(queries), "queries/op")
			b.ReportMetric(float64(users), "users")
		})
	}
}
