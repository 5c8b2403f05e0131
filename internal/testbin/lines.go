package testbin

import (
	"bytes"
	"strings"
	"sync"
)

// lines collects a process's output, written by exec's copying goroutine
// while the test reads it, and tells when a line holding given marks has
// been written.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	scanned int // bytes of buf already looked at for marks
	marks   []string
	seen    chan struct{}
}

// watch returns a channel closed once a complete line, written before
// or after the call, holds every mark.
func (l *lines) watch(marks []string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := make(chan struct{})
	l.marks, l.seen, l.scanned = marks, seen, 0
	l.check() // may close seen and clear l.seen
	return seen
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.check()
	return len(p), nil
}

// check looks at the complete lines not yet looked at; l.mu is held.
func (l *lines) check() {
	for l.seen != nil {
		rest := l.buf.Bytes()[l.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return
		}
		line := string(rest[:i])
		l.scanned += i + 1
		if containsAll(line, l.marks) {
			close(l.seen)
			l.seen = nil
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
