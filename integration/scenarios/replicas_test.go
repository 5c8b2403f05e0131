//go:build integration

package scenarios_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// replicas is how many `groundwork apply` processes start at once.
const replicas = 16

// TestManyReplicas: 16 `groundwork apply` processes start at once against
// one fresh database → all exit 0; exactly one changes anything (each
// object is created once, by that one); no link or membership twice;
// groundwork_runs records exactly one run, the one that changed something:
// the others either found nothing to do before the lock, or waited for it
// and found nothing on the re-check under it, and record nothing.
func TestManyReplicas(t *testing.T) {
	eachTargetInTurn(t, func(t *testing.T, tg kit.Target) {
		db := hostDB(t, tg)
		env := orgEnv(db)
		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		defer cancel()

		procs := make([]*testbin.Cmd, replicas)
		for i := range procs {
			procs[i] = command(ctx, t, env, "apply", "-o", "json", "--lock-timeout", "2m")
		}
		start := time.Now()
		for _, p := range procs {
			p.Start()
		}
		// They run at once; waiting for them one by one only reaps them.
		results := make([]result, replicas)
		for i, p := range procs {
			results[i] = result{p.Wait()}
		}
		wall := time.Since(start)

		changed, maxWait := 0, 0.0
		appliedBy := map[string]int{} // step id → how many runs applied it
		for _, r := range results {
			noSecret(t, r, env)
			mustExit(t, r, 0)
			rep := r.report(t)
			if rep.Status != core.RunConverged {
				t.Fatalf("a replica did not converge:\n%s", kit.DumpReport(rep))
			}
			if rep.Changed {
				changed++
			}
			maxWait = max(maxWait, rep.LockWaitMS)
			for _, s := range rep.Steps {
				if s.Status == core.StatusApplied {
					appliedBy[s.ID]++
				}
			}
		}
		if changed != 1 {
			t.Errorf("%d replicas changed something, want exactly 1", changed)
		}
		for id, n := range appliedBy {
			if n != 1 {
				t.Errorf("step %s applied by %d replicas, want 1", id, n)
			}
		}
		d := db.Open(t)
		snap := takeSnapshot(t, d)
		for _, obj := range declared(t) {
			if _, ok := snap.objects[obj]; !ok {
				t.Errorf("%s missing", obj)
			}
			if id := strings.Replace(obj, " ", ":", 1); appliedBy[id] != 1 {
				t.Errorf("%s was created by %d replicas, want 1", obj, appliedBy[id])
			}
		}
		links, members := noDuplicates(t, d)
		if links != len(orgaccess.BuiltinModels) || members != eligibleUsers {
			t.Errorf("%d links and %d members, want %d and %d", links, members, len(orgaccess.BuiltinModels), eligibleUsers)
		}
		runs, err := history.List(ctx, d, 100)
		if err != nil {
			t.Fatal(err)
		}
		recordedChanged := 0
		for _, r := range runs {
			if r.Changed {
				recordedChanged++
			}
		}
		if len(runs) != 1 || recordedChanged != 1 {
			t.Errorf("groundwork_runs: %d runs, %d changed; want the 1 run that changed something", len(runs), recordedChanged)
		}
		t.Logf("measure: %d replicas on %s: %d exit 0, %d applied, %d recorded as changed, wall %s, longest lock wait %.0f ms",
			replicas, tg.Name(), replicas, changed, recordedChanged, wall.Round(time.Millisecond), maxWait)
	})
}
