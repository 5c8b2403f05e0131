package postgres

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// TestMembersAfterInterruptedRun measures the dev population of
// GROUNDWORK_BENCH_MEMBERS users (say 200000) twice: a clean first run,
// and a run after an interrupted one, when organization_members exists,
// is empty and has been ANALYZEd (the statistics that made the old NOT
// EXISTS shape a nested-loop anti join rescanning its own inserts:
// quadratic). It logs both; it asserts no timing. Skipped without the
// variable:
//
//	GROUNDWORK_BENCH_MEMBERS=200000 go test -run TestMembersAfterInterruptedRun -v ./drivers/postgres/
func TestMembersAfterInterruptedRun(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GROUNDWORK_BENCH_MEMBERS"))
	if n <= 0 {
		t.Skip("set GROUNDWORK_BENCH_MEMBERS to a number of users to measure")
	}
	ctx := context.Background()
	run := func(t *testing.T, interrupted bool) (step, total time.Duration, batches int) {
		d := openTest(t)
		reg, err := core.NewRegistry(orgaccess.HostTables())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(t, d, `INSERT INTO "user" (id, name, email, role, created_at) SELECT 'u-' || md5(g::text), 'U', 'u' || g || '@example.com', 'user', 1 FROM generate_series(1, `+strconv.Itoa(n)+`) g`)
		mustExec(t, d, `ANALYZE "user"`)
		cfg := packtest.DevConfig()
		if interrupted {
			// The first run got as far as the members table; autovacuum
			// (or vacuumdb -z) then analyzed it empty.
			prod := cfg
			prod.Environment = "production"
			if _, err := core.NewRunner(d, mustRegistry(t, prod)).Apply(ctx); err != nil {
				t.Fatal(err)
			}
			mustExec(t, d, `ANALYZE "organization_members"`)
		}
		t0 := time.Now()
		rep, err := core.NewRunner(d, mustRegistry(t, cfg)).Apply(ctx)
		total = time.Since(t0)
		if err != nil || rep.Status != core.RunConverged {
			t.Fatalf("apply: %v", err)
		}
		sr := rep.Step(orgaccess.MembersStepID)
		if sr == nil || sr.RowsAffected < int64(n) {
			t.Fatalf("members step: %+v", sr)
		}
		return time.Duration(sr.DurationMS * float64(time.Millisecond)), total, sr.Batches
	}
	cs, ct, cb := run(t, false)
	is, it, ib := run(t, true)
	t.Logf("%d users: clean first run: members step %s (%d batches), apply %s", n, cs.Round(time.Millisecond), cb, ct.Round(time.Millisecond))
	t.Logf("%d users: after an interrupted run (members empty, analyzed): members step %s (%d batches), apply %s; ratio %.2f",
		n, is.Round(time.Millisecond), ib, it.Round(time.Millisecond), float64(is)/float64(cs))
}

func mustRegistry(t *testing.T, cfg orgaccess.Config) *core.Registry {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// BenchmarkConvergedRestart measures a converged apply (the restart of
// every replica) and a verify over GROUNDWORK_BENCH_MEMBERS users (default
// 100000), all of them members of the development organization; with
// GROUNDWORK_BENCH_STEPS set it logs the steps over 5 ms:
//
//	go test -run '^$' -bench BenchmarkConvergedRestart -benchtime 20x ./drivers/postgres/
//
// apply-new-connection is the converged apply on a connection opened for
// it, as a restarted application makes (GROUNDWORK_PG_URL points it at a
// server of your own, one with huge pages say).
func BenchmarkConvergedRestart(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("GROUNDWORK_BENCH_MEMBERS"))
	if n <= 0 {
		n = 100000
	}
	ctx := context.Background()
	url := newSchema(b)
	d := openURL(b, url)
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := d.DB().DB.ExecContext(ctx, `INSERT INTO "user" (id, name, email, role, created_at) SELECT 'u-' || md5(g::text), 'U', 'u' || g || '@example.com', 'user', 1 FROM generate_series(1, `+strconv.Itoa(n)+`) g`); err != nil {
		b.Fatal(err)
	}
	full, err := core.NewRegistry(orgaccess.Steps(packtest.DevConfig())...)
	if err != nil {
		b.Fatal(err)
	}
	if rep, err := core.NewRunner(d, full).Apply(ctx); err != nil || !rep.Changed {
		b.Fatalf("first apply: %v", err)
	}
	// What autovacuum does to tables at rest: the visibility map lets a
	// count read the index only.
	if _, err := d.DB().DB.ExecContext(ctx, `VACUUM ANALYZE "user", "organization_members"`); err != nil {
		b.Fatal(err)
	}
	packtest.BenchConvergedRestart(b, d, full, n)
	// What a restarted application pays: a new process, so a new
	// connection and a new server backend, whose first touch of each page
	// of shared memory is a page fault (see the README's "PostgreSQL: a new
	// backend's first touch"). Connecting is left out of the time.
	b.Run("apply-new-connection", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			nd, err := Open(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			rep, err := core.NewRunner(nd, full).Apply(ctx)
			b.StopTimer()
			if err != nil || rep.Changed || rep.Status != core.RunConverged {
				b.Fatalf("apply: %v, changed %t, %s", err, rep.Changed, rep.Status)
			}
			_ = nd.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(n), "users")
	})
}
