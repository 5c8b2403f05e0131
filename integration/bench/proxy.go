package bench

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultProxyDelay is the latency the proxy adds each way: 10 ms each way
// is a 20 ms round trip, a database in another zone or a nearby region.
const DefaultProxyDelay = 10 * time.Millisecond

// Proxy is a loopback TCP proxy that delays every chunk each way by Delay,
// so a client on this machine sees a remote database: what a round trip
// costs becomes visible. Data is forwarded as it arrives, each chunk held
// until Delay after it was read, so pipelined traffic is not serialized
// (latency is added, bandwidth is not taken away).
//
// It also counts the conversation: connections accepted and turns, a turn
// being the server answering after the client spoke (one request/response
// round trip as the client waits for it), whatever the protocol.
type Proxy struct {
	delay    time.Duration
	upstream string
	ln       net.Listener

	conns atomic.Int64
	turns atomic.Int64

	mu     sync.Mutex
	closed bool
	open   map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// ProxyCounts are what a proxy saw since it started or was last reset.
type ProxyCounts struct {
	Conns, Turns int64
}

// StartProxy listens on 127.0.0.1:0 and forwards every connection to
// upstream (host:port), delaying each chunk by delay each way.
func StartProxy(upstream string, delay time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: proxy: %w", err)
	}
	p := &Proxy{delay: delay, upstream: upstream, ln: ln, open: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Delay is the latency added each way.
func (p *Proxy) Delay() time.Duration { return p.delay }

// Counts returns the counts so far.
func (p *Proxy) Counts() ProxyCounts {
	return ProxyCounts{Conns: p.conns.Load(), Turns: p.turns.Load()}
}

// Close stops accepting, closes every open connection and waits for the
// forwarding goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.open {
		_ = c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.open, c)
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go p.handle(client)
	}
}

// direction of the last chunk on a connection, for counting turns.
const (
	fromNone = iota
	fromClient
	fromServer
)

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.upstream, 10*time.Second)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(client) || !p.track(server) {
		return
	}
	defer p.untrack(client)
	defer p.untrack(server)
	p.conns.Add(1)
	var last atomic.Int32
	var done sync.WaitGroup
	done.Add(2)
	go func() {
		defer done.Done()
		p.pipe(server, client, func() { last.Store(fromClient) })
		closeWrite(server)
	}()
	go func() {
		defer done.Done()
		p.pipe(client, server, func() {
			// The server speaking after the client: one more turn. The
			// greeting of a server that speaks first (MySQL) counts too:
			// the client waits for it as for any answer.
			if last.Swap(fromServer) != fromServer {
				p.turns.Add(1)
			}
		})
		closeWrite(client)
	}()
	done.Wait()
}

// chunk is data read from one side, due at the other side at due.
type chunk struct {
	data []byte
	due  time.Time
}

// pipe copies src to dst, each chunk delayed by p.delay from when it was
// read; seen is called as each chunk is read.
func (p *Proxy) pipe(dst, src net.Conn, seen func()) {
	ch := make(chan chunk, 256)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32*1024)
			n, err := src.Read(buf)
			if n > 0 {
				seen()
				ch <- chunk{data: buf[:n], due: time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		if wait := time.Until(c.due); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := dst.Write(c.data); err != nil {
			// The other side is gone: drain so the reader can end.
			_ = src.Close()
			for range ch {
			}
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

// withProxy runs fn with a proxy in front of addr, closed afterwards.
func withProxy(ctx context.Context, addr string, delay time.Duration, fn func(*Proxy) error) error {
	p, err := StartProxy(addr, delay)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(p)
}
