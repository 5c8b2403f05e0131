// Package turnproxy is a loopback TCP proxy for tests that counts what a
// remote database charges for: connections, and turns. A turn is the
// server sending after the client did (or first, as MySQL's greeting: the
// client waits for it as for any answer), so a pipelined batch is one turn
// however many statements it holds. Tests assert these counts, never
// times. (integration/bench has its own, with added latency, in its own
// module.)
package turnproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards every connection made to Addr to the upstream server.
type Proxy struct {
	addr         string
	conns, turns atomic.Int64
}

// Counts are the connections accepted and the turns seen.
type Counts struct{ Conns, Turns int64 }

// Start listens on a loopback port and forwards to upstream (host:port)
// until the test ends, when it closes every connection it holds.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("turnproxy: listen: %v", err)
	}
	p := &Proxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
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
			wg.Add(1)
			go func() {
				defer wg.Done()
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
		wg.Wait()
	})
	return p
}

// Addr is the proxy's host:port, to put in place of the server's.
func (p *Proxy) Addr() string { return p.addr }

// Counts returns the counts so far.
func (p *Proxy) Counts() Counts { return Counts{Conns: p.conns.Load(), Turns: p.turns.Load()} }

// Measure runs fn and returns the connections and turns it caused. A turn
// is counted when the proxy reads the server's bytes, before the client
// can have them: when fn returns, all its turns are in.
func (p *Proxy) Measure(fn func()) Counts {
	before := p.Counts()
	fn()
	after := p.Counts()
	return Counts{Conns: after.Conns - before.Conns, Turns: after.Turns - before.Turns}
}

// forward copies both ways until either side closes.
func (p *Proxy) forward(client, server net.Conn) {
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
