package bench

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestProxyCountsTurns sends three requests, one at a time, through the
// proxy to an echo server: three turns, one connection, every byte back,
// each answer at least two delays late. (A lower bound only: no timing
// upper bound is asserted.)
func TestProxyCountsTurns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := c.Write([]byte(line)); err != nil {
				return
			}
		}
	}()
	const delay = 5 * time.Millisecond
	p, err := StartProxy(ln.Addr().String(), delay)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for _, msg := range []string{"one\n", "two\n", "three\n"} {
		start := time.Now()
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo = %q, %v; want %q", got, err, msg)
		}
		if took := time.Since(start); took < 2*delay {
			t.Errorf("answer after %v, want at least %v (the delay each way)", took, 2*delay)
		}
	}
	if got := p.Counts(); got.Turns != 3 || got.Conns != 1 {
		t.Errorf("counts = %+v, want 3 turns on 1 connection", got)
	}
}
