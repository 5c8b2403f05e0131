//go:build integration

package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/integration/kit"
)

// lockTimeout is the --lock-timeout of the runners that must give up.
const lockTimeout = time.Second

// TestLockTimeout: a runner blocked behind a live holder gives up after
// --lock-timeout with exit 75 (retry later) and a message naming the lock and its holder,
// and writes nothing. The holder is first the test itself (the driver's
// Lock), then another groundwork process paused inside its run (waiting
// for host tables with the lock held); once that one is SIGKILLed, the
// next runner gets the lock at once.
func TestLockTimeout(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg kit.Target) {
		t.Run("driver holds", func(t *testing.T) { testLockHeldByDriver(t, tg) })
		t.Run("process holds", func(t *testing.T) { testLockHeldByProcess(t, tg) })
	})
}

// gaveUp checks a runner that timed out on the lock.
func gaveUp(t *testing.T, r result, holder string) {
	t.Helper()
	mustExit(t, r, 75) // retry later
	if !strings.Contains(r.Stderr, `lock "groundwork`) || !strings.Contains(r.Stderr, "timed out") || !strings.Contains(r.Stderr, holder) {
		t.Fatalf("the error does not name the lock, the timeout and the holder (%s):\n%s", holder, r)
	}
	if r.Took < lockTimeout {
		t.Fatalf("gave up after %s, before the %s asked", r.Took, lockTimeout)
	}
}

func testLockHeldByDriver(t *testing.T, tg kit.Target) {
	db := hostDB(t, tg)
	d := db.Open(t)
	ctx := context.Background()
	lock, err := d.Lock(ctx, "groundwork", 5*time.Second)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	before := takeSnapshot(t, d)
	env := orgEnv(db)
	// PostgreSQL names the holder's server process, MariaDB its
	// connection, SQLite the process that wrote the lock file.
	holder := map[string]string{"postgres": "held by pid", "mysql": "held by connection",
		"sqlite": fmt.Sprintf("held by pid %d", os.Getpid())}[tg.Dialect()]
	r := groundwork(t, env, "apply", "--lock-timeout", lockTimeout.String())
	gaveUp(t, r, holder)
	if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
		t.Fatalf("the runner that gave up wrote: %v", problems)
	}
	if err := lock.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	rep, _ := applyJSON(t, env, "--lock-timeout", "10s")
	t.Logf("measure: lock timeout %s (driver holds): gave up after %s (--lock-timeout %s), exit 75: %s; after unlock the next run waited %.1f ms",
		tg.Name(), r.Took.Round(time.Millisecond), lockTimeout, errorLine(r.Stderr), rep.LockWaitMS)
}

func testLockHeldByProcess(t *testing.T, tg kit.Target) {
	// No host tables: the holder takes the lock, creates
	// client_organizations, then waits up to a minute for Open WebUI's
	// tables, holding the lock.
	db := tg.NewDatabase(t)
	env := orgEnv(db)
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	holder := command(ctx, t, env, "apply", "--host-wait", "1m", "--log-level", "info")
	holder.StartUntil(time.Minute, "waiting for host tables")
	defer holder.Kill()
	d := db.Open(t)
	before := takeSnapshot(t, d)
	// The holder's connection as the server shows it; SQLite: its pid.
	who := map[string]string{"postgres": `application "groundwork"`, "mysql": "held by connection",
		"sqlite": fmt.Sprintf("held by pid %d", holder.Process.Pid)}[tg.Dialect()]
	r := groundwork(t, env, "apply", "--lock-timeout", lockTimeout.String())
	gaveUp(t, r, who)
	if problems := unchanged(before, takeSnapshot(t, d)); len(problems) > 0 {
		t.Fatalf("the runner that gave up wrote: %v", problems)
	}

	// The holder dies: the next runner does not wait for it.
	holder.Kill()
	rep, _ := applyJSON(t, env, "--lock-timeout", "10s")
	t.Logf("measure: lock timeout %s (a paused groundwork process holds): gave up after %s, exit 75: %s; after SIGKILL of the holder the next run waited %.1f ms",
		tg.Name(), r.Took.Round(time.Millisecond), errorLine(r.Stderr), rep.LockWaitMS)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
