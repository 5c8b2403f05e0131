package orgaccess_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// batchLog keeps the duration of every batch the runner commits.
type batchLog struct {
	mu   sync.Mutex
	took []time.Duration
}

func (b *batchLog) Enabled(context.Context, slog.Level) bool { return true }
func (b *batchLog) WithAttrs([]slog.Attr) slog.Handler       { return b }
func (b *batchLog) WithGroup(string) slog.Handler            { return b }
func (b *batchLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "batch committed" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "duration_ms" {
			b.mu.Lock()
			b.took = append(b.took, time.Duration(a.Value.Float64()*float64(time.Millisecond)))
			b.mu.Unlock()
		}
		return true
	})
	return nil
}

// TestSQLiteBatchesBesideHost measures the dev population of
// GROUNDWORK_BENCH_SQLITE_USERS users (say 1000000) on SQLite while a
// "host" keeps writing with Open WebUI's 5 s busy timeout: it logs each
// batch's duration (each one holds the write lock) and the host's
// longest wait, and fails if a host write failed with "database is
// locked". Skipped without the variable (it takes minutes at 1M):
//
//	GROUNDWORK_BENCH_SQLITE_USERS=1000000 go test -run TestSQLiteBatchesBesideHost -v -timeout 30m ./steps/orgaccess/
func TestSQLiteBatchesBesideHost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GROUNDWORK_BENCH_SQLITE_USERS"))
	if n <= 0 {
		t.Skip("set GROUNDWORK_BENCH_SQLITE_USERS to a number of users to measure")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "host.db")
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	reg, err := core.NewRegistry(orgaccess.HostTables())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.DB().ExecContext(ctx, `INSERT INTO "user" (id, name, email, role, created_at)
 WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < `+strconv.Itoa(n)+`)
 SELECT printf('u-%08d', i), 'U', 'u' || i || '@example.com', 'user', 1 FROM g`); err != nil {
		t.Fatal(err)
	}

	// The host: its own connection, Open WebUI's 5 s busy timeout, a
	// sign-up every 20 ms until the apply ends.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	host, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	var at atomic.Pointer[core.Progress]
	at.Store(&core.Progress{Step: "before the run"})
	var slow []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var hostErr error
	var longest time.Duration
	writes := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			t0 := time.Now()
			where := at.Load()
			_, err := host.ExecContext(ctx, fmt.Sprintf(`INSERT INTO "user" (id, name, email, role, created_at) VALUES ('host-%06d', 'H', 'h%d@example.com', 'user', 2)`, i, i))
			if took := time.Since(t0); took > time.Second {
				slow = append(slow, fmt.Sprintf("%s during %v", took.Round(time.Millisecond), *where))
			}
			longest = max(longest, time.Since(t0))
			writes++
			if err != nil {
				hostErr = err
				return
			}
		}
	}()

	log := &batchLog{}
	t0 := time.Now()
	rep, err := core.NewRunner(d, mustRegistry(t, packtest.DevConfig()), core.WithLogger(slog.New(log)), core.WithProgress(func(p core.Progress) { at.Store(&p) })).Apply(ctx)
	total := time.Since(t0)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if hostErr != nil {
		t.Errorf("a host write failed beside the apply: %v", hostErr)
	}
	took := slices.Clone(log.took)
	slices.Sort(took)
	if len(took) == 0 {
		t.Fatalf("no batch logged:\n%+v", rep.Step(orgaccess.MembersStepID))
	}
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	parts := []string{}
	for _, d := range log.took {
		parts = append(parts, d.Round(time.Millisecond).String())
	}
	t.Logf("%d users: apply %s; %d batches: min %s, median %s, max %s, mean %s", n, total.Round(time.Millisecond), len(took),
		took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), (sum / time.Duration(len(took))).Round(time.Millisecond))
	t.Logf("batches in order: %s", strings.Join(parts, " "))
	for _, s := range rep.Steps {
		if s.DurationMS > 100 {
			t.Logf("step %s: %.0f ms (check, batches and statements)", s.ID, s.DurationMS)
		}
	}
	t.Logf("run: %.0f ms, of which verify phase about %.0f ms", rep.DurationMS, rep.DurationMS-stepsMS(rep))
	t.Logf("host writes over 1 s: %s", strings.Join(slow, "; "))
	t.Logf("host: %d writes beside the apply, longest wait %s, failures: %v", writes, longest.Round(time.Millisecond), hostErr)
}

func mustRegistry(t *testing.T, cfg orgaccess.Config) *core.Registry {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func stepsMS(rep *core.Report) float64 {
	var ms float64
	for _, s := range rep.Steps {
		ms += s.DurationMS
	}
	return ms
}
