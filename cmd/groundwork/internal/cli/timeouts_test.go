package cli

// The three bounds an operator meets, each with the message shown: the
// step timeout, the lock timeout and the --wait bound on connecting.

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// slowMembers makes the dev-population step of db slow: users to insert
// and a trigger that does millions of multiplications per inserted row.
func slowMembers(t *testing.T, path string, users int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO "user" (id, name, email, role, created_at, updated_at)
			SELECT 'u' || i, 'User ' || i, 'u' || i || '@example.com', 'user', 0, 0 FROM n`, users),
		`CREATE TABLE slow (x INTEGER)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO slow SELECT i FROM n`,
		`CREATE TRIGGER slow_members AFTER INSERT ON organization_members BEGIN SELECT sum(a.x * b.x) FROM slow a, slow b; END`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func countRows(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStepTimeoutMessage: a step over --step-timeout is cancelled and
// rolled back; the error names the step and the bound, a hint names the
// setting.
func TestStepTimeoutMessage(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	mustCode(t, run(t, nil, "apply", "--db", u, "--include", "host:openwebui-tables"), ExitOK)
	slowMembers(t, db, 40)
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": apiKey,
		"GROUNDWORK_STEP_TIMEOUT": "2s"}
	start := time.Now()
	r := run(t, env, "apply", "--db", u)
	took := time.Since(start)
	mustCode(t, r, ExitFailed)
	t.Logf("stderr:\n%s", r.stderr)
	for _, want := range []string{
		"error: step orgaccess:dev-members: apply: step timed out after 2s, its statements cancelled and rolled back: add 40 eligible users as members of development organization acme-dev",
		"hint: a step ran longer than --step-timeout (GROUNDWORK_STEP_TIMEOUT)",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q\n%s", want, r)
		}
	}
	// Correctness bound, not a benchmark: the step was cut, not run to
	// its end (40 slow inserts).
	if took > 60*time.Second {
		t.Errorf("apply took %s with a 2s step timeout", took)
	}
	if n := countRows(t, db, "organization_members"); n != 0 {
		t.Errorf("%d memberships committed by the timed-out step, want 0", n)
	}
	// The steps before it committed, and the history says which failed.
	if n := countRows(t, db, "client_organizations"); n != 1 {
		t.Errorf("%d organizations, want the one the step before committed", n)
	}
}

// TestLockTimeoutMessage: the error names the lock (and its file) and
// who holds it; a hint names the setting.
func TestLockTimeoutMessage(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	mustCode(t, run(t, nil, "apply", "--db", u), ExitOK)
	// A converged apply takes no lock: give this one work.
	dropIndex(t, db, "idx_api_key")
	held, err := sqlite.LockFile(context.Background(), db+".groundwork.lock", "groundwork", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(context.Background())
	r := run(t, nil, "apply", "--db", u, "--lock-timeout", "300ms")
	mustCode(t, r, ExitRetryable)
	t.Logf("stderr:\n%s", r.stderr)
	host, _ := os.Hostname()
	want := regexp.MustCompile(`error: lock "groundwork \(` + regexp.QuoteMeta(db) + `\.groundwork\.lock\)" held by pid ` +
		fmt.Sprint(os.Getpid()) + ` on ` + regexp.QuoteMeta(host) + ` since \S+, waited \d+ms: lock wait timed out`)
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr does not match %s\n%s", want, r)
	}
	if !strings.Contains(r.stderr, "hint: another runner held the lock longer than --lock-timeout (GROUNDWORK_LOCK_TIMEOUT)") {
		t.Errorf("no hint\n%s", r)
	}
}

// TestWaitBoundMessage: --wait retries a database that does not answer,
// then says how long it waited and how often it tried; the password is
// masked.
func TestWaitBoundMessage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	u := fmt.Sprintf("postgres://app:%s@127.0.0.1:%d/app?sslmode=disable", password, port)
	r := run(t, map[string]string{"DATABASE_URL": u}, "apply", "--wait", "1s")
	mustCode(t, r, ExitRetryable)
	t.Logf("stderr:\n%s", r.stderr)
	want := regexp.MustCompile(fmt.Sprintf(`error: postgres://app:\*\*\*@127\.0\.0\.1:%d/app\?sslmode=disable still unreachable after waiting 1s \(\d+ attempts\): connect to host=127\.0\.0\.1 port=%d user=app database=app: .*connection refused`, port, port))
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr does not match %s\n%s", want, r)
	}
	if strings.Contains(r.stderr, password) {
		t.Errorf("the password is shown\n%s", r)
	}
}
