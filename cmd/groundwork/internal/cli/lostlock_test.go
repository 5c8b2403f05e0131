package cli

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/internal/hostpg"
)

// TestLostLockStopsApply: the case on PostgreSQL. While apply
// populates a development organization (slowed by a trigger), the server
// ends its lock connection (pg_terminate_backend), on which the insert
// runs. The step in flight must not commit, apply must exit 1 saying the lock was lost, and a
// second apply started meanwhile takes the lock and converges after it.
func TestLostLockStopsApply(t *testing.T) {
	srv := hostpg.Require(t)
	ctx := context.Background()
	u := srv.URL("postgres")
	admin, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	env := map[string]string{"DATABASE_URL": u, "OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme",
		"OPENROUTER_API_KEY": "sk-or-v1-lost-lock", "GROUNDWORK_MODELS": "openai/o3"}
	// Everything but the members (a production organization has none),
	// so the slow step is the one in flight later.
	env["GROUNDWORK_ENV"] = "production"
	mustCode(t, run(t, env, "apply", "--include", "host:openwebui-tables"), ExitOK)
	env["GROUNDWORK_ENV"] = "development"
	for _, q := range []string{
		`INSERT INTO "user" (id, name, email, role, created_at, updated_at)
		 SELECT 'u' || i, 'User ' || i, 'u' || i || '@example.com', 'user', 0, 0 FROM generate_series(1, 20) i`,
		`CREATE FUNCTION slow_member() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$`,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.ExecContext(ctx, `CREATE TRIGGER slow_members BEFORE INSERT ON organization_members FOR EACH ROW EXECUTE FUNCTION slow_member()`); err != nil {
		t.Fatal(err)
	}

	first := make(chan result, 1)
	go func() { first <- run(t, env, "apply") }()
	// Wait (bounded) until the member insert is running, then end the
	// lock connection, as idle_session_timeout or an operator would. The
	// bound is in time, not in polls: under -race on a busy machine the
	// apply takes seconds to reach the members, and CI once gave up at 6 s.
	// If the apply ends first, say how, instead of only that it was missed.
	var killed bool
	for deadline := time.Now().Add(90 * time.Second); !killed; {
		if time.Now().After(deadline) {
			t.Fatal("the member insert did not start within 90 s")
		}
		select {
		case r := <-first:
			t.Fatalf("the apply ended before its member insert could be caught running\n%s", r)
		case <-time.After(10 * time.Millisecond):
		}
		var running bool
		if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%organization_members%' AND application_name = 'groundwork')`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if !running {
			continue
		}
		// The session lock's connection is the one running the insert: the
		// runner's statements under the lock run on the lock's session.
		if err := admin.QueryRowContext(ctx, `SELECT COALESCE(bool_and(pg_terminate_backend(pid, 10000)), false) FROM pg_locks
			WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND pid <> pg_backend_pid()
			AND pid IN (SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%organization_members%')`).Scan(&killed); err != nil {
			t.Fatal(err)
		}
	}
	// A second runner now takes the lock: it must not write before the
	// first has rolled back, and it converges.
	second := make(chan result, 1)
	go func() { second <- run(t, env, "apply") }()

	r1 := <-first
	mustCode(t, r1, ExitFailed)
	if !strings.Contains(r1.stderr, "lock lost") || !strings.Contains(r1.stderr, "hint: the run's lock was lost") {
		t.Fatalf("the first apply does not say it lost its lock\n%s", r1)
	}
	t.Logf("first apply:\n%s", r1.stderr)
	r2 := <-second
	mustCode(t, r2, ExitOK)
	var members int
	if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM organization_members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members != 20 {
		t.Fatalf("%d members, want 20", members)
	}
	var runs string
	if err := admin.QueryRowContext(ctx, `SELECT string_agg(status, ',' ORDER BY id) FROM groundwork_runs`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	t.Logf("runs recorded: %s", runs)
	if !strings.Contains(runs, "failed") {
		t.Errorf("the failed run is not recorded: %s", runs)
	}
}
