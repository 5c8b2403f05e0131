package testbin

import "testing"

// TestLinesWatch: the marks must stand on one complete line, however the
// writes split it; a line seen before the watch starts counts too.
func TestLinesWatch(t *testing.T) {
	closed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	l := &lines{}
	_, _ = l.Write([]byte("level=INFO msg=\"applying step\"\n"))
	seen := l.watch([]string{`msg="applying step"`, "step=b"})
	for _, w := range []string{"level=INFO msg=\"applying step\" ste", "p=a\nlevel=INFO msg=\"applying step\" step=b"} {
		_, _ = l.Write([]byte(w))
		if closed(seen) {
			t.Fatalf("seen after %q: the line with both marks is not complete yet", w)
		}
	}
	_, _ = l.Write([]byte("\nmore\n"))
	if !closed(seen) {
		t.Fatalf("not seen once the line with both marks ended:\n%s", l)
	}
	if got := l.watch([]string{"more"}); !closed(got) {
		t.Fatalf("a line written before the watch began is not seen")
	}
}
