package core

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Read.key writes the common argument types without fmt, exactly as
// "%T=%v" writes them, so reads keyed either way stay one read.
func TestReadKeyAsFmt(t *testing.T) {
	args := []any{"a", "", "x\x00y", int64(-42), 7, true, false, Secret("s3"), 1.5, []byte("b"), nil, time.Unix(0, 0).UTC(), int32(3)}
	r := Read{Columns: []string{"v"}, From: "FROM t WHERE id IN (?)", Args: args}
	var want strings.Builder
	want.WriteString(r.SQL())
	for _, a := range execArgs(args) {
		fmt.Fprintf(&want, "\x00%T=%v", a, a)
	}
	if got := r.key(); got != want.String() {
		t.Fatalf("key %q, want %q", got, want.String())
	}
}
