package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// service is an HTTP service that owns part of its database's schema
// through groundwork: Start applies the registry, /readyz answers from
// verify, /healthz says the process is alive.
type service struct {
	runner *core.Runner
	log    *slog.Logger
	ready  *readiness
	// started is set once Start's apply converged; until then /readyz
	// says 503 without touching the database.
	started atomic.Bool
	mux     *http.ServeMux
}

// newService wraps a runner built by the caller (its registry, driver,
// logger, lock timeout and selection). Probes reuse a verify result for
// ttl (see readiness).
func newService(runner *core.Runner, log *slog.Logger, ttl time.Duration) *service {
	s := &service{runner: runner, log: log, ready: newReadiness(runner.Verify, ttl), mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /", s.hello)
	return s
}

// Start applies the registry: the schema and rows the service needs. Many
// replicas may start at once; groundwork's lock lets one apply while the
// others wait and then find nothing to do. Drift groundwork will not heal
// does not stop the service (/readyz reports it); a failed step does.
func (s *service) Start(ctx context.Context) error {
	rep, err := s.runner.Apply(ctx)
	var se *core.StepError
	var le *core.LockError
	switch {
	case errors.As(err, &se):
		s.log.Error("groundwork: step failed", "step", se.Step, "phase", se.Phase, "err", se.Err)
		return fmt.Errorf("embed: start: %w", err)
	case errors.As(err, &le):
		s.log.Error("groundwork: another replica held the lock too long", "lock", le.Name, "holder", le.Holder, "waited", le.Waited)
		return fmt.Errorf("embed: start: %w", err)
	case err != nil:
		return fmt.Errorf("embed: start: %w", err)
	}
	s.log.Info("groundwork: applied", "status", rep.Status, "changed", rep.Changed,
		"statements", rep.Statements, "duration_ms", rep.DurationMS)
	if rep.Status == core.RunDrift {
		s.log.Warn("groundwork: drift left as is (healing it could lose data)", "drift", rep.Drift())
	}
	s.started.Store(true)
	return nil
}

// Handler serves /healthz, /readyz and the application itself.
func (s *service) Handler() http.Handler { return s.mux }

// healthz is liveness: the process answers. It never touches the
// database: a database outage must not make the orchestrator restart
// every replica (readiness takes them out of rotation instead).
func (s *service) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz is readiness: 200 when the last verify (at most ttl old) found
// every step holding, else 503 with what drifted or failed, as JSON.
func (s *service) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.started.Load() {
		writeJSON(w, http.StatusServiceUnavailable, verdict{Status: "starting", CheckedAt: time.Now().UTC()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	v := s.ready.check(ctx)
	code := http.StatusOK
	if !v.ready() {
		code = http.StatusServiceUnavailable
		s.log.Warn("not ready", "status", v.Status, "drift", v.Drift, "err", v.Error)
	}
	writeJSON(w, code, v)
}

func (s *service) hello(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte("hello from a service whose database groundwork keeps in shape\n"))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
