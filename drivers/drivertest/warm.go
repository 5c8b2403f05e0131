package drivertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/driver"
)

// testWarmStartTakesNoLock: a converged apply checks without the lock,
// takes none (it succeeds while another process holds it) and writes no
// history row; with WithRecordAll it takes the lock for the row alone.
// The query counts of both are the before/after of "check, lock,
// re-check" on this dialect.
func testWarmStartTakesNoLock(t *testing.T, open coretest.Opener) {
	ctx := context.Background()
	d := open(t)
	rec := history.NewRecorder("test", nil)
	run := func(opts ...core.Option) (*core.Report, error) {
		t.Helper()
		return runner(t, d, registrySteps(), append([]core.Option{core.WithRecorder(rec)}, opts...)...).Apply(ctx)
	}
	runs := func() int {
		t.Helper()
		rs, err := history.List(ctx, d, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	if cold, err := run(); err != nil || !cold.Changed || runs() != 1 {
		t.Fatalf("cold apply: %v, changed %t, %d runs recorded; want 1\n%s", err, cold.Changed, runs(), coretest.Dump(cold))
	}

	holder := open(t)
	held, err := holder.Lock(ctx, "groundwork", 10*time.Second)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	warm, err := run(core.WithLockTimeout(50 * time.Millisecond))
	if err != nil {
		t.Fatalf("warm apply while another holds the lock: %v\n%s", err, coretest.Dump(warm))
	}
	wantStatus(t, warm, core.RunConverged)
	if warm.Changed || warm.Statements != 0 || warm.LockWaitMS != 0 {
		t.Fatalf("warm apply: changed %t, %d statements, lock wait %.1f ms; want none", warm.Changed, warm.Statements, warm.LockWaitMS)
	}
	if n := runs(); n != 1 {
		t.Fatalf("warm apply recorded a run: %d in history, want 1", n)
	}
	if err := held.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	all, err := run(core.WithRecordAll(true))
	if err != nil || runs() != 2 {
		t.Fatalf("warm apply with WithRecordAll: %v, %d runs recorded; want 2", err, runs())
	}
	if all.Queries <= warm.Queries {
		t.Fatalf("warm apply: %d queries, recording it %d: want recording to cost more", warm.Queries, all.Queries)
	}
	t.Logf("measure: %s warm apply: %d queries without lock or history; %d recording it (lock, history row)", d.Dialect(), warm.Queries, all.Queries)
}

// driftStep reports drift it cannot heal, as a step that found a
// column of the wrong type does.
type driftStep struct{}

func (driftStep) Info() core.StepInfo {
	return core.StepInfo{ID: "test:drift", Description: "always drifts"}
}

func (driftStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	return &core.Plan{Drift: []core.Drift{{Object: "test", Detail: "differs"}}}, nil
}

// testDriftIsRecorded: a run that found drift is recorded even when it
// changed nothing; it decided so under the lock.
func testDriftIsRecorded(t *testing.T, open coretest.Opener) {
	d := open(t)
	steps := append(registrySteps(), driftStep{})
	rec := history.NewRecorder("test", nil)
	for i := range 2 {
		rep, err := runner(t, d, steps, core.WithRecorder(rec)).Apply(context.Background())
		if err != nil {
			t.Fatalf("apply %d: %v\n%s", i, err, coretest.Dump(rep))
		}
		wantStatus(t, rep, core.RunDrift)
	}
	rs, err := history.List(context.Background(), d, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Status != core.RunDrift || rs[0].Changed {
		t.Fatalf("%d runs recorded (%+v): want both drift runs", len(rs), rs)
	}
}

// probeStep reads the seeded row as its own declared read and never has
// work: a Reader beside the seed step.
type probeStep struct{ n int }

var _ core.Reader = (*probeStep)(nil)

func (p *probeStep) Info() core.StepInfo {
	return core.StepInfo{ID: fmt.Sprintf("test:probe-%d", p.n), After: []string{seedStepID}}
}

// CatalogNames implements core.CatalogScoper.
func (*probeStep) CatalogNames() []string { return []string{parentTable} }

func (p *probeStep) read(s *core.Session) core.Read {
	return core.Read{Columns: []string{"COUNT(*)"}, From: "FROM " + s.Quote(parentTable) + " WHERE id = ? OR id = ?", Args: []any{"p1", fmt.Sprint("probe-", p.n)}, OneRow: true}
}

func (p *probeStep) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables[parentTable] == nil {
		return nil, err
	}
	return []core.Read{p.read(s)}, nil
}

func (p *probeStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	var n int64
	if err := s.ReadRow(ctx, p.read(s), &n); err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, fmt.Errorf("probe %d: %d rows, want the seeded one", p.n, n)
	}
	return &core.Plan{}, nil
}

// testWarmReadsOneRoundTrip: the declared reads of every step of a pass
// are one round trip together, on this dialect: four more Readers beside
// the seed step cost a warm apply and a verify no query more.
func testWarmReadsOneRoundTrip(t *testing.T, open coretest.Opener) {
	ctx := context.Background()
	d := open(t)
	apply(t, d, registrySteps())
	more := registrySteps()
	for i := range 4 {
		more = append(more, &probeStep{n: i})
	}
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		count := func(steps []core.Step) int64 {
			t.Helper()
			r := runner(t, d, steps)
			run := r.Apply
			if mode == core.ModeVerify {
				run = r.Verify
			}
			rep, err := run(ctx)
			if err != nil || rep.Changed || rep.Status != core.RunConverged {
				t.Fatalf("warm %s: %v\n%s", mode, err, coretest.Dump(rep))
			}
			return rep.Queries
		}
		schemaOnly := registrySteps()
		schemaOnly = schemaOnly[:len(schemaOnly)-1] // without the seed step
		catalog, base, with := count(schemaOnly), count(registrySteps()), count(more)
		// One combined read after the catalog, or none at all where the
		// driver sends the reads with the catalog read.
		reads, how := int64(1), "the catalog and one combined read"
		if _, ok := d.(driver.InspectReader); ok {
			reads, how = 0, "the catalog with the reads, one round trip"
		}
		if base != catalog+reads || with != base {
			t.Fatalf("warm %s: %d queries for the schema steps, %d with the seed step, %d with four more Readers: want %d, %d, %d (%s)",
				mode, catalog, base, with, catalog, catalog+reads, catalog+reads, how)
		}
		t.Logf("measure: %s warm %s: %d queries (%s), with four more Readers too", d.Dialect(), mode, base, how)
	}
}
