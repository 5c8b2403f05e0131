// Command embed is a Go HTTP service that runs groundwork at startup and
// answers its readiness probe from groundwork's verify.
//
//	OPENROUTER_EXTERNAL_USER=acme ORGANIZATION_NAME=Acme OPENROUTER_API_KEY=sk-or-… \
//	  go run ./examples/embed -db app.db -addr 127.0.0.1:8080
//	curl -i 127.0.0.1:8080/readyz   # 200 {"status":"converged" or "pending",…} or 503 with the drift
//	curl -i 127.0.0.1:8080/healthz  # 200 while the process runs
//
// It listens first (so liveness probes pass while another replica holds
// the lock), applies, then reports ready. A failed apply stops it with
// exit status 1, so the orchestrator restarts it and shows why.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	db := flag.String("db", "embed.db", "SQLite file, or a postgres:// URL")
	ttl := flag.Duration("ready-cache", 10*time.Second, "how long /readyz reuses a verify result")
	hostTables := flag.Bool("host-tables", false, "also create minimal Open WebUI host tables, for a demo on an empty database")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *db, *ttl, *hostTables, log); err != nil {
		log.Error("embed: stopped", "err", err)
		stop()
		os.Exit(1)
	}
}

func serve(ctx context.Context, addr, db string, ttl time.Duration, hostTables bool, log *slog.Logger) error {
	cfg, err := orgaccess.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	steps := append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(cfg)...)
	reg, err := core.NewRegistry(steps...) // your own steps go here too
	if err != nil {
		return err
	}
	drv, closeDB, err := open(ctx, db)
	if err != nil {
		return err
	}
	defer closeDB()
	opts := []core.Option{
		core.WithLogger(log.With("component", "groundwork")),
		core.WithLockTimeout(2 * time.Minute),
		core.WithEnvironment(cfg.Environment),
	}
	if hostTables {
		opts = append(opts, core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}}))
	}
	svc := newService(core.NewRunner(drv, reg, opts...), log, ttl)

	srv := &http.Server{Addr: addr, Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	log.Info("listening", "addr", addr)

	if err := svc.Start(ctx); err != nil {
		shutdown(srv, log)
		return err
	}
	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdown(srv, log)
		return nil
	}
}

func shutdown(srv *http.Server, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
}

// open opens a PostgreSQL URL or an SQLite file path.
func open(ctx context.Context, db string) (core.Driver, func(), error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		d, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	}
	d, err := sqlite.Open(db)
	if err != nil {
		return nil, nil, err
	}
	return d, func() { _ = d.Close() }, nil
}
