package core

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestJSONStrings(t *testing.T) {
	in := []string{"", `a"b`, `c\d`, "e\nf\x01\x1f", "<&>", "zażółć 😀", "\u2028"}
	j, ok := JSONStrings(in)
	if !ok {
		t.Fatal("refused valid strings")
	}
	var back []string
	if err := json.Unmarshal([]byte(j), &back); err != nil {
		t.Fatalf("%s: %v", j, err)
	}
	if !slices.Equal(back, in) {
		t.Fatalf("round trip = %q, want %q", back, in)
	}
	for _, bad := range []string{"a\x00b", "\xff"} {
		if _, ok := JSONStrings([]string{"x", bad}); ok {
			t.Errorf("took %q", bad)
		}
	}
}

func TestInListWithoutBinder(t *testing.T) {
	pred, args := InList(nil, "id", []string{"a", "b", "c"})
	if pred != "id IN (?, ?, ?)" || !slices.Equal(args, []any{"a", "b", "c"}) {
		t.Fatalf("InList = %q %v", pred, args)
	}
}
