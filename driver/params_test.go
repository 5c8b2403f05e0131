package driver_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/groundworkdb/groundwork/driver"
)

func TestParamList(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "?", 3: "?, ?, ?"} {
		if got := driver.ParamList(n); got != want {
			t.Errorf("ParamList(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestJSONStrings(t *testing.T) {
	in := []string{"", `a"b`, `c\d`, "e\nf\x01\x1f", "<&>", "zażółć 😀", "\u2028"}
	j, ok := driver.JSONStrings(in)
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
		if _, ok := driver.JSONStrings([]string{"x", bad}); ok {
			t.Errorf("took %q", bad)
		}
	}
}
