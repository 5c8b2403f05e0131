//go:build integration

package scenarios_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/groundworkdb/groundwork/core"
	gwmysql "github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/turnproxy"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// libraryTurns are the turns of a warm, converged run after the
// connection's start-up: PostgreSQL pipelines the catalog with the
// steps' reads (one turn); MySQL/MariaDB reads the catalog, then the
// reads (two).
var libraryTurns = map[string]int64{"postgres": 1, "mysql": 2}

// TestWarmStartTurnsOnTheWire runs the CLI's apply and verify on a
// converged database through a loopback proxy that counts the turns of
// the conversation (the server answering after the client spoke) and
// the connections: a warm start is one connection, its start-up (what
// the driver's Open costs alone, as many turns as the server's
// authentication takes), then the library's turns. Nothing else: no
// ping, no session SET, no version probe, no lock connection, no
// history write. Behind a remote database each turn is a network round
// trip of every container start.
func TestWarmStartTurnsOnTheWire(t *testing.T) {
	for _, tg := range targets() {
		want, ok := libraryTurns[tg.Dialect()]
		if !ok {
			continue // no wire
		}
		t.Run(tg.Name(), func(t *testing.T) {
			t.Parallel()
			// PostgreSQL's one turn rests on the catalog guess, which
			// the current host's layout matches; MariaDB has the
			// minimal host tables.
			var db *kit.Database
			if tg.Dialect() == "postgres" {
				db = openWebUIDB(t, tg, openwebuitest.V0_10_2)
			} else {
				db = hostDB(t, tg)
			}
			env := orgEnv(db)
			applyJSON(t, env)

			p := startCountingProxy(t, db)
			startup := p.Measure(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				var d interface{ Close() error }
				var err error
				if tg.Dialect() == "postgres" {
					d, err = postgres.Open(ctx, p.dsn)
				} else {
					d, err = gwmysql.Open(ctx, p.dsn)
				}
				if err != nil {
					t.Fatalf("open through the proxy: %v", err)
				}
				_ = d.Close()
			})
			if startup.Conns != 1 || startup.Turns < 1 {
				t.Fatalf("the driver's Open: %d connections, %d turns; want 1 connection and its start-up", startup.Conns, startup.Turns)
			}
			proxied := with(env, "GROUNDWORK_DB", p.url)
			for _, mode := range []string{core.ModeApply, core.ModeVerify} {
				var rep *core.Report
				got := p.Measure(func() {
					r := groundwork(t, proxied, mode, "-o", "json")
					mustExit(t, r, 0)
					rep = r.report(t)
				})
				if rep.Status != core.RunConverged || rep.Changed {
					t.Fatalf("%s on a converged database: status %s, changed %v:\n%s", mode, rep.Status, rep.Changed, kit.DumpReport(rep))
				}
				if got.Conns != 1 || got.Turns != startup.Turns+want {
					t.Errorf("warm %s: %d connections, %d turns on the wire; want 1 connection, %d turns (start-up %d + %d)",
						mode, got.Conns, got.Turns, startup.Turns+want, startup.Turns, want)
				}
			}
		})
	}
}

// TestColdStartOneConnection: an apply with everything to do (a host
// database without any of the pack's objects, through the CLI) takes the
// lock on the connection its checks used and runs everything under the
// lock on it, the history row included: one connection on the wire,
// where it used to be two (the pool's and the lock's).
func TestColdStartOneConnection(t *testing.T) {
	for _, tg := range targets() {
		if _, ok := libraryTurns[tg.Dialect()]; !ok {
			continue // no wire
		}
		t.Run(tg.Name(), func(t *testing.T) {
			t.Parallel()
			db := hostDB(t, tg)
			p := startCountingProxy(t, db)
			proxied := with(orgEnv(db), "GROUNDWORK_DB", p.url)
			var rep *core.Report
			got := p.Measure(func() {
				r := groundwork(t, proxied, core.ModeApply, "-o", "json")
				mustExit(t, r, 0)
				rep = r.report(t)
			})
			if rep.Status != core.RunConverged || !rep.Changed {
				t.Fatalf("a cold apply: status %s, changed %v:\n%s", rep.Status, rep.Changed, kit.DumpReport(rep))
			}
			if got.Conns != 1 {
				t.Errorf("a cold apply opened %d connections, want 1", got.Conns)
			}
		})
	}
}

// countingProxy is a turnproxy in front of a database, with the
// database's URL and DSN through it.
type countingProxy struct {
	*turnproxy.Proxy
	url, dsn string
}

func startCountingProxy(t *testing.T, db *kit.Database) *countingProxy {
	t.Helper()
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}
	p := &countingProxy{Proxy: turnproxy.Start(t, u.Host)}
	u.Host = p.Addr()
	p.url = u.String()
	switch db.Dialect {
	case "postgres":
		p.dsn = p.url // a postgres:// URL
	default:
		cfg, err := mysql.ParseDSN(db.DSN)
		if err != nil {
			t.Fatalf("database DSN: %v", err)
		}
		cfg.Addr = p.Addr()
		p.dsn = cfg.FormatDSN()
	}
	return p
}
