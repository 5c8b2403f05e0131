package postgres

import (
	"context"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// turnCounter is a loopback TCP proxy in front of the test server that
// counts turns: the server sending after the client did.
type turnCounter struct {
	addr  string
	turns atomic.Int64
}

func startTurnCounter(t *testing.T, upstream string) *turnCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	tc := &turnCounter{addr: ln.Addr().String()}
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
			var last sync.Mutex
			serverLast := false
			pipe := func(dst, src net.Conn, fromServer bool) {
				defer wg.Done()
				buf := make([]byte, 32*1024)
				for {
					n, err := src.Read(buf)
					if n > 0 {
						last.Lock()
						if fromServer && !serverLast {
							tc.turns.Add(1)
						}
						serverLast = fromServer
						last.Unlock()
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
			wg.Add(2)
			go pipe(server, client, false)
			go pipe(client, server, true)
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
	return tc
}

// TestFirstQueryAfterOpenIsNotPinged: the first query after Open is one
// turn on the wire, not a ping and then the query (pgx's stdlib pings a
// connection it reuses after more than a second idle, and counted a new
// one as idle since the zero time); a connection that was idle longer is
// still pinged before it is used again.
func TestFirstQueryAfterOpenIsNotPinged(t *testing.T) {
	u, err := url.Parse(newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	tc := startTurnCounter(t, u.Host)
	u.Host = tc.addr
	d := openURL(t, u.String())
	ctx := context.Background()
	query := func() int64 {
		t.Helper()
		before := tc.turns.Load()
		var one int
		if err := d.DB().DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatalf("query: %v", err)
		}
		return tc.turns.Load() - before
	}
	if n := query(); n != 1 {
		t.Errorf("the first query after Open took %d turns, want 1 (no ping)", n)
	}
	if n := query(); n != 1 {
		t.Errorf("a query right after another took %d turns, want 1", n)
	}
	time.Sleep(maxUnpingedIdle + 100*time.Millisecond)
	if n := query(); n != 2 {
		t.Errorf("a query on a connection idle for %s took %d turns, want 2 (pgx's ping, then the query)", maxUnpingedIdle, n)
	}
}
