package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

const droppedIndex = "idx_org_models_org_active"

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingVerify counts the verify runs behind the probes.
type countingVerify struct {
	mu     sync.Mutex
	n      int
	verify func(context.Context) (*core.Report, error)
}

func (c *countingVerify) run(ctx context.Context) (*core.Report, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.verify(ctx)
}

func (c *countingVerify) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestReadyz(t *testing.T) {
	path := filepath.Join(t.TempDir(), "embed.db")
	drv, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drv.Close() })
	cfg := orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: "sk-or-v1-embed-test-key", Environment: orgaccess.Development}
	reg, err := core.NewRegistry(append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(cfg)...)...)
	if err != nil {
		t.Fatal(err)
	}
	runner := core.NewRunner(drv, reg, core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}}))
	const ttl = 10 * time.Second
	svc := newService(runner, slog.New(slog.NewTextHandler(io.Discard, nil)), ttl)
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	verifies := &countingVerify{verify: runner.Verify}
	svc.ready.verify, svc.ready.now = verifies.run, clock.now
	ts := httptest.NewServer(svc.Handler())
	defer ts.Close()

	// Before Start: alive, not ready, and the database untouched.
	if code, body := get(t, ts.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz before start: %d %q", code, body)
	}
	if code, body := get(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"starting"`) {
		t.Fatalf("/readyz before start: %d %s", code, body)
	}
	if verifies.count() != 0 {
		t.Fatal("/readyz verified before the service started")
	}

	if err := svc.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	code, body := get(t, ts.URL+"/readyz")
	if code != http.StatusOK {
		t.Fatalf("/readyz after start: %d %s", code, body)
	}
	var v verdict
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Status != core.RunConverged {
		t.Fatalf("/readyz body (%v): %s", err, body)
	}

	// An index dropped behind the service's back.
	if _, err := drv.DB().DB.Exec(`DROP INDEX "` + droppedIndex + `"`); err != nil {
		t.Fatal(err)
	}
	// Within ttl the probe answers from the cache: no new verify.
	clock.advance(ttl / 2)
	if code, _ := get(t, ts.URL+"/readyz"); code != http.StatusOK || verifies.count() != 1 {
		t.Fatalf("/readyz within the cache interval: %d after %d verifies; want 200 from the one cached verify", code, verifies.count())
	}
	// Past ttl it verifies again and names the index.
	clock.advance(ttl)
	code, body = get(t, ts.URL+"/readyz")
	if code != http.StatusServiceUnavailable || verifies.count() != 2 {
		t.Fatalf("/readyz after the drop: %d after %d verifies\n%s", code, verifies.count(), body)
	}
	v = verdict{}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("/readyz drift body: %v\n%s", err, body)
	}
	if v.Status != core.RunDrift || len(v.Drift) == 0 || !strings.Contains(body, droppedIndex) {
		t.Fatalf("/readyz does not name the dropped index %s:\n%s", droppedIndex, body)
	}
	if testing.Verbose() {
		t.Logf("/readyz with drift: %d %s", code, body)
	}
	if strings.Contains(body, cfg.APIKey) {
		t.Fatal("/readyz shows the API key")
	}
	// Liveness does not depend on the database's shape.
	if code, _ := get(t, ts.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz with drift: %d", code)
	}

	// A restart (Start again) heals it; the next fresh verify is ready.
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.advance(ttl)
	if code, body := get(t, ts.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after healing: %d %s", code, body)
	}
}

// TestReadyzSharesOneVerify: probes that arrive together while no verdict
// is cached cost one verify, not one each.
func TestReadyzSharesOneVerify(t *testing.T) {
	release := make(chan struct{})
	calls := &countingVerify{verify: func(context.Context) (*core.Report, error) {
		<-release
		return &core.Report{Status: core.RunConverged}, nil
	}}
	r := newReadiness(calls.run, time.Hour)
	const n = 8
	var wg sync.WaitGroup
	results := make(chan *verdict, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- r.check(context.Background())
		}()
	}
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if !v.ready() {
			t.Fatalf("verdict %+v, want converged", v)
		}
	}
	if calls.count() != 1 {
		t.Fatalf("%d probes ran %d verifies, want 1", n, calls.count())
	}
}

// TestReadyzFailedVerify: a verify that cannot reach the database is a
// 503 with the error, not a crash and not a 200.
func TestReadyzFailedVerify(t *testing.T) {
	r := newReadiness(func(context.Context) (*core.Report, error) {
		return &core.Report{Status: core.RunFailed}, context.DeadlineExceeded
	}, time.Second)
	v := r.check(context.Background())
	if v.ready() || v.Status != core.RunFailed || v.Error == "" {
		t.Fatalf("verdict %+v, want failed with the error", v)
	}
}

// TestReadyzPendingIsReady: data the next apply adds (a user who signed
// up since) keeps the service ready.
func TestReadyzPendingIsReady(t *testing.T) {
	r := newReadiness(func(context.Context) (*core.Report, error) {
		return &core.Report{Status: core.RunPending}, nil
	}, time.Second)
	if v := r.check(context.Background()); !v.ready() {
		t.Fatalf("verdict %+v, want ready", v)
	}
}
