package core

import (
	"slices"
	"testing"
)

func TestInListWithoutBinder(t *testing.T) {
	pred, args := InList(nil, "id", []string{"a", "b", "c"})
	if pred != "id IN (?, ?, ?)" || !slices.Equal(args, []any{"a", "b", "c"}) {
		t.Fatalf("InList = %q %v", pred, args)
	}
	if p2, a2 := ParamIn("id", []string{"a", "b", "c"}); p2 != pred || !slices.Equal(a2, args) {
		t.Fatalf("ParamIn = %q %v, want InList without a binder", p2, a2)
	}
}
