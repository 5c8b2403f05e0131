//go:build integration

package scenarios_test

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// Crash trials per dialect: half at points spread evenly over the runner's
// part of a cold run (after process start-up and connecting), half at
// random points within the whole cold run.
const (
	spreadTrials = 12
	randomTrials = 12
)

// envCrashSeed replays the random kill points of an earlier run.
const envCrashSeed = "GROUNDWORK_CRASH_SEED"

// Where a kill landed, judged from the database it left.
const (
	landedBeforeWrites = "before any write"
	landedMidRun       = "mid-run (work left)"
	landedAfterWrites  = "after the last write"
	landedAfterExit    = "after the process exited"
)

// TestCrashes: `groundwork apply` on a legacy deployment is SIGKILLed at
// points spread over a cold run and at random points → the next run
// converges, every pre-existing row is kept (as TestExistingDeployment
// defines it), no link or membership is doubled, and no lock is left
// behind: the next runner gets it without waiting out a dead holder.
func TestCrashes(t *testing.T) {
	seed := crashSeed(t)
	eachTargetInTurn(t, func(t *testing.T, tg kit.Target) {
		// The cold run: how long an upgrade takes here, process start to
		// exit, on a fresh copy as each trial has: the median of three.
		// The runner itself (lock, steps, verify) is the end of it: the
		// report's duration.
		var before *snapshot
		type coldRun struct{ process, runner time.Duration }
		var runs []coldRun
		for range 3 {
			db := legacyDB(t, tg)
			if before == nil {
				before = takeSnapshot(t, db.Open(t))
			}
			rep, r := applyJSON(t, orgEnv(db))
			runs = append(runs, coldRun{r.Took, time.Duration(rep.DurationMS * float64(time.Millisecond))})
		}
		slices.SortFunc(runs, func(a, b coldRun) int { return int(a.process - b.process) })
		cold, runner := runs[1].process, min(runs[1].runner, runs[1].process)
		h := fnv.New64a()
		h.Write([]byte(tg.Name()))
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		var delays []time.Duration
		// Spread evenly over the runner's part of the cold run, where the
		// writes are; random over the whole of it, start-up included.
		for i := range spreadTrials {
			delays = append(delays, cold-runner+runner*time.Duration(i)/spreadTrials)
		}
		for range randomTrials {
			delays = append(delays, time.Duration(rng.Int64N(int64(cold))))
		}

		landed := map[string]int{}
		var maxWait float64
		for i, delay := range delays {
			where, wait := crashTrial(t, tg, before, delay)
			if t.Failed() {
				t.Fatalf("trial %d (kill after %s, %s) failed", i+1, delay, where)
			}
			landed[where]++
			maxWait = max(maxWait, wait)
		}
		t.Logf("measure: crash %s: %d trials (cold run %s, of which the runner %s; seed %d): kills landed %v; after each, 1 run converged with all %d pre-existing rows kept (0 lost); max lock wait of the next runner %.1f ms",
			tg.Name(), len(delays), cold.Round(time.Millisecond), runner.Round(time.Millisecond), seed, landed, rowCount(before), maxWait)
	})
}

// crashSeed is the seed of the random kill points: GROUNDWORK_CRASH_SEED,
// or the clock (logged, to replay a failure).
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv(envCrashSeed); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envCrashSeed, s, err)
		}
		return seed
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("crash seed %d (replay with %s=%d)", seed, envCrashSeed, seed)
	return seed
}

// crashTrial kills an apply after delay on a fresh legacy copy, then runs
// the next apply and checks what it finds and leaves. It returns where the
// kill landed and how long the next runner waited for the lock.
func crashTrial(t *testing.T, tg kit.Target, before *snapshot, delay time.Duration) (string, float64) {
	t.Helper()
	db := legacyDB(t, tg)
	env := orgEnv(db)
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := command(ctx, t, env, "apply", "-o", "json")
	cmd.Start()
	time.Sleep(delay)
	killed := cmd.Kill() // false when the process had exited by then

	// What the killed run left, read-only.
	d := db.Open(t)
	where := landedAfterExit
	if killed {
		plan, err := core.NewRunner(d, packRegistry(t)).Plan(ctx)
		switch {
		case err != nil:
			t.Fatalf("plan after the kill: %v", err)
		case len(unchanged(before, takeSnapshot(t, d))) == 0:
			where = landedBeforeWrites
		case plan.Status == core.RunPending:
			where = landedMidRun
		default:
			where = landedAfterWrites
		}
	}

	// The next runner: a short lock timeout, so a lock left behind by the
	// dead process would fail the run rather than be waited out.
	rep, _ := applyJSON(t, env, "--lock-timeout", "10s")
	after := takeSnapshot(t, d)
	for _, p := range keptRows(before, after, legacyAllowed...) {
		t.Error(p)
	}
	links, members := noDuplicates(t, d)
	if links != legacyLinksAfter || members != eligibleUsers || viewPairs(t, d) != legacyPairsAfter {
		t.Errorf("after the kill (%s) and one run: %d links, %d members, %d view pairs", where, links, members, viewPairs(t, d))
	}
	if n := count(t, d, "SELECT COUNT(*) FROM organization_models WHERE id = ? AND is_active = 0", legacyInactiveLink); n != 1 {
		t.Errorf("after the kill (%s): the deactivated link was reactivated or lost", where)
	}
	if t.Failed() {
		t.Logf("kill after %s landed %s; next run:\n%s", delay, where, kit.DumpReport(rep))
	}
	return where, rep.LockWaitMS
}
