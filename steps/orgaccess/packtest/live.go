package packtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// testSignupIsPending: a user who signs up after apply, and a model an
// admin configures, are data the next apply adds: verify reports them
// pending, with the count, and is ready (no drift, the view proof holds).
func testSignupIsPending(t *testing.T, d core.Driver) {
	setupHost(t, d)
	apply(t, d, DevConfig())
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at) VALUES ('carol', 'Carol', 'carol@example.com', 'user', 2), ('dave', 'Dave', 'dave@example.com', 'user', 2)")
	cfg := DevConfig()
	cfg.Models = append(append([]string{}, orgaccess.BuiltinModels...), "mistral/new-model")
	rep, err := core.NewRunner(d, registry(t, cfg, false)).Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
	if rep.Status != core.RunPending || len(rep.Drift()) > 0 {
		t.Fatalf("verify after a sign-up and a new model: want pending and no drift\n%s", coretest.Dump(rep))
	}
	for id, want := range map[string]int64{orgaccess.MembersStepID: 2, orgaccess.RegisterStepID: 0, orgaccess.LinkStepID: 0} {
		sr := rep.Step(id)
		if sr == nil || sr.Status != core.StatusPending || (want > 0 && sr.Pending != want) {
			t.Fatalf("step %s: want pending (%d)\n%s", id, want, coretest.Dump(rep))
		}
	}
	if rep := apply(t, d, cfg); rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("apply after the sign-up:\n%s", coretest.Dump(rep))
	}
	rep, err = core.NewRunner(d, registry(t, cfg, false)).Verify(context.Background())
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("verify after apply: %v\n%s", err, coretest.Dump(rep))
	}
}

// testSignupsDuringApply: the application keeps signing users up while
// applies run (a bounded writer on its own connections). No apply may
// fail for it: each proves what it did against the rows it acted on.
func testSignupsDuringApply(t *testing.T, d core.Driver) {
	setupHost(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const applies, maxUsers = 8, 3000
	var wg sync.WaitGroup
	var werr error
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < maxUsers; i++ {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			default:
			}
			q := fmt.Sprintf("INSERT INTO %s (id, name, email, role, created_at) VALUES ('live%05d', 'Live', 'live%d@example.com', 'user', %d)", d.Quote("user"), i, i, time.Now().Unix())
			if _, err := d.DB().ExecContext(ctx, q); err != nil {
				if ctx.Err() == nil {
					werr = err
				}
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	failures := 0
	var first error
	for i := 0; i < applies; i++ {
		rep, err := core.NewRunner(d, registry(t, DevConfig(), false)).Apply(ctx)
		if err != nil || rep.Status == core.RunFailed {
			failures++
			if first == nil {
				first = fmt.Errorf("apply %d: %v\n%s", i+1, err, coretest.Dump(rep))
			}
		}
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if failures > 0 {
		t.Fatalf("%d of %d applies failed while users signed up; first: %v", failures, applies, first)
	}
	// Once the writer is done, one more apply makes every user a member.
	apply(t, d, DevConfig())
	if missing := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote("user")+" u WHERE u.role <> 'pending' AND u.id <> 'system' AND NOT EXISTS (SELECT 1 FROM "+
		d.Quote(orgaccess.MembersTable)+" m WHERE m.user_id = u.id)"); missing != 0 {
		t.Fatalf("%d users are not members after the writer stopped", missing)
	}
}

// testRealFailureStillFails: a batch that leaves a user who existed when
// it ran out of the members fails the apply (here a trigger drops that
// user's membership as it is inserted), concurrent sign-ups or not.
func testRealFailureStillFails(t *testing.T, d core.Driver) {
	setupHost(t, d)
	apply(t, d, DevConfig())
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at) VALUES ('victim', 'Victim', 'victim@example.com', 'user', 2)")
	members := d.Quote(orgaccess.MembersTable)
	switch d.Dialect() {
	case "sqlite":
		exec(t, d, "CREATE TRIGGER gw_test_drop AFTER INSERT ON "+members+" WHEN NEW.user_id = 'victim' BEGIN DELETE FROM "+members+" WHERE id = NEW.id; END")
	case "postgres":
		exec(t, d, "CREATE FUNCTION gw_test_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.user_id = 'victim' THEN RETURN NULL; END IF; RETURN NEW; END $$")
		exec(t, d, "CREATE TRIGGER gw_test_drop BEFORE INSERT ON "+members+" FOR EACH ROW EXECUTE FUNCTION gw_test_drop()")
	default:
		t.Skip("no trigger here can skip a row of the table it fires on")
	}
	rep, err := core.NewRunner(d, registry(t, DevConfig(), false)).Apply(context.Background())
	if !errors.Is(err, core.ErrNotConverged) || rep.Status != core.RunFailed {
		t.Fatalf("apply with a membership that never sticks: want ErrNotConverged, got %v\n%s", err, coretest.Dump(rep))
	}
}

// batchedUsers is above the users of the first batch, so the dev
// population takes at least two transactions.
const batchedUsers = 25000

// testPopulationInBatches: many users join in several transactions, each
// committed on its own; the next run has nothing to do.
func testPopulationInBatches(t *testing.T, d core.Driver) {
	setupHost(t, d)
	rows := make([]string, 0, 500)
	for i := 0; i < batchedUsers; i++ {
		rows = append(rows, fmt.Sprintf("('b%06d', 'B', 'b%d@example.com', 'user', 1)", i, i))
		if len(rows) == cap(rows) || i == batchedUsers-1 {
			exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at) VALUES "+strings.Join(rows, ", "))
			rows = rows[:0]
		}
	}
	rep := apply(t, d, DevConfig())
	sr := rep.Step(orgaccess.MembersStepID)
	if rep.Status != core.RunConverged || sr == nil || sr.Batches < 2 {
		t.Fatalf("want the population in two batches or more:\n%s", coretest.Dump(rep))
	}
	if got := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)); got != batchedUsers+2 {
		t.Fatalf("%d members, want %d", got, batchedUsers+2)
	}
	t.Logf("%s: %d users in %d batches", d.Dialect(), batchedUsers, sr.Batches)
	requireWatermark(t, d, 2)
	if rep := apply(t, d, DevConfig()); rep.Changed || rep.Statements != 0 {
		t.Fatalf("second run: changed %t, %d statements", rep.Changed, rep.Statements)
	}
}

// testColdStartOneBatch: a population that fits in one range joins in one
// batch, the members watermark recorded in the same transaction (on
// SQLite a second batch would first wait the writer gap), and the next
// run reads the watermark and has nothing to do.
func testColdStartOneBatch(t *testing.T, d core.Driver) {
	setupHost(t, d)
	rep := apply(t, d, DevConfig())
	sr := rep.Step(orgaccess.MembersStepID)
	if rep.Status != core.RunConverged || sr == nil || sr.Status != core.StatusApplied || sr.Batches != 1 {
		t.Fatalf("want the dev population in one batch:\n%s", coretest.Dump(rep))
	}
	if got := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)); got != 2 {
		t.Fatalf("%d members, want 2 (alice, bob)", got)
	}
	requireWatermark(t, d, 2)
	again := apply(t, d, DevConfig())
	if again.Changed || again.Statements != 0 {
		t.Fatalf("second run: changed %t, %d statements\n%s", again.Changed, again.Statements, coretest.Dump(again))
	}
	// A sign-up moves the watermark: one batch again, a new proof.
	exec(t, d, "INSERT INTO "+d.Quote("user")+` (id, name, email, role, created_at) VALUES ('carol', 'Carol', 'carol@example.com', 'user', 1)`)
	rep = apply(t, d, DevConfig())
	if sr := rep.Step(orgaccess.MembersStepID); !rep.Changed || sr == nil || sr.Batches != 1 {
		t.Fatalf("after a sign-up: want one batch:\n%s", coretest.Dump(rep))
	}
	requireWatermark(t, d, 2)
}

// requireWatermark fails unless the members watermark of the test's
// organization is a complete proof of the database as it is now: the
// whole-table user and member counts, ineligible users (the system
// user, pending ones) and their rows.
func requireWatermark(t *testing.T, d core.Driver, ineligible int) {
	t.Helper()
	wm := d.Quote(orgaccess.WatermarkTable)
	var users, members, inel, provenAt int64
	if err := d.DB().QueryRowContext(context.Background(), "SELECT users, members, ineligible, proven_at FROM "+wm+" WHERE organization_id = '"+orgID+"' AND user_id = ''").
		Scan(&users, &members, &inel, &provenAt); err != nil {
		t.Fatalf("the watermark's summary: %v", err)
	}
	wantUsers := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote("user"))
	wantMembers := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable))
	rows := scalar(t, d, "SELECT COUNT(*) FROM "+wm+" WHERE organization_id = '"+orgID+"' AND user_id <> ''")
	if provenAt <= 0 || users != int64(wantUsers) || members != int64(wantMembers) || inel != int64(ineligible) || rows != ineligible {
		t.Fatalf("watermark: users %d members %d ineligible %d (%d rows) proven_at %d; want %d, %d, %d, a time",
			users, members, inel, rows, provenAt, wantUsers, wantMembers, ineligible)
	}
}

// testRenamedOrganizationIsPending: during a rolling update the old
// replicas verify with the old name (or key) while the new one applied
// the new: the row is there, so they are ready (pending), not drifting.
func testRenamedOrganizationIsPending(t *testing.T, d core.Driver) {
	setupHost(t, d)
	apply(t, d, DevConfig())
	old := DevConfig()
	old.OrgName = "Acme before the rename"
	rep, err := core.NewRunner(d, registry(t, old, false)).Verify(context.Background())
	if err != nil || rep.Status != core.RunPending || rep.Step(orgaccess.OrgStepID).Status != core.StatusPending {
		t.Fatalf("verify with another name: want pending, got %v\n%s", err, coretest.Dump(rep))
	}
}
