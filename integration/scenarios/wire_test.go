//go:build integration

package scenarios_test

import (
	"context"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/groundworkdb/groundwork/core"
	gwmysql "github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/integration/kit"
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
			startup := p.measure(t, func() {
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
			if startup.conns != 1 || startup.turns < 1 {
				t.Fatalf("the driver's Open: %d connections, %d turns; want 1 connection and its start-up", startup.conns, startup.turns)
			}
			proxied := with(env, "GROUNDWORK_DB", p.url)
			for _, mode := range []string{core.ModeApply, core.ModeVerify} {
				var rep *core.Report
				got := p.measure(t, func() {
					r := groundwork(t, proxied, mode, "-o", "json")
					mustExit(t, r, 0)
					rep = r.report(t)
				})
				if rep.Status != core.RunConverged || rep.Changed {
					t.Fatalf("%s on a converged database: status %s, changed %v:\n%s", mode, rep.Status, rep.Changed, kit.DumpReport(rep))
				}
				if got.conns != 1 || got.turns != startup.turns+want {
					t.Errorf("warm %s: %d connections, %d turns on the wire; want 1 connection, %d turns (start-up %d + %d)",
						mode, got.conns, got.turns, startup.turns+want, startup.turns, want)
				}
			}
		})
	}
}

// countingProxy forwards loopback connections to a database server and
// counts connections and turns.
type countingProxy struct {
	url, dsn     string // the database's URL and DSN through the proxy
	conns, turns atomic.Int64
	wg           sync.WaitGroup
}

// wireCounts are what the proxy saw during one measure.
type wireCounts struct{ conns, turns int64 }

func startCountingProxy(t *testing.T, db *kit.Database) *countingProxy {
	t.Helper()
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}
	upstream := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &countingProxy{}
	u.Host = ln.Addr().String()
	p.url = u.String()
	switch db.Dialect {
	case "postgres":
		p.dsn = p.url // a postgres:// URL
	default:
		cfg, err := mysql.ParseDSN(db.DSN)
		if err != nil {
			t.Fatalf("database DSN: %v", err)
		}
		cfg.Addr = ln.Addr().String()
		p.dsn = cfg.FormatDSN()
	}
	var mu sync.Mutex
	var open []net.Conn
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = client.Close()
				continue
			}
			mu.Lock()
			open = append(open, client, server)
			mu.Unlock()
			p.conns.Add(1)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(client, server)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range open {
			_ = c.Close()
		}
		mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// forward copies both ways until either side closes; a turn is the
// server sending after the client did (or first, as MySQL's greeting:
// the client waits for it as for any answer).
func (p *countingProxy) forward(client, server net.Conn) {
	var mu sync.Mutex
	serverLast := false
	var done sync.WaitGroup
	done.Add(2)
	pipe := func(dst, src net.Conn, fromServer bool) {
		defer done.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				mu.Lock()
				if fromServer && !serverLast {
					p.turns.Add(1)
				}
				serverLast = fromServer
				mu.Unlock()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					err = werr
				}
			}
			if err != nil {
				_ = src.Close()
				_ = dst.Close()
				return
			}
		}
	}
	go pipe(server, client, false)
	go pipe(client, server, true)
	done.Wait()
}

// measure runs fn and returns the connections and turns it caused. A
// turn is counted when the proxy reads the server's bytes, before the
// client can have them: when fn returns, all its turns are in.
func (p *countingProxy) measure(t *testing.T, fn func()) wireCounts {
	t.Helper()
	conns, turns := p.conns.Load(), p.turns.Load()
	fn()
	return wireCounts{conns: p.conns.Load() - conns, turns: p.turns.Load() - turns}
}
