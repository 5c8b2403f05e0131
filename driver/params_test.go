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

func TestJSONTable(t *testing.T) {
	rows := [][]string{{"a", `say "hi"`}, {"\x01\n\\", "日本 😀"}, {"", "[1]"}}
	j, ok := driver.JSONTable(rows)
	if !ok {
		t.Fatal("JSONTable refused valid rows")
	}
	var back [][]string
	if err := json.Unmarshal([]byte(j), &back); err != nil {
		t.Fatalf("%s: %v", j, err)
	}
	if !slices.EqualFunc(back, rows, slices.Equal) {
		t.Fatalf("round trip: %q, want %q", back, rows)
	}
	for _, bad := range [][][]string{nil, {{}}, {{"a"}, {"b", "c"}}, {{"nul\x00"}}, {{"bad\xff"}}} {
		if _, ok := driver.JSONTable(bad); ok {
			t.Errorf("JSONTable took %q", bad)
		}
	}
	if got := driver.RowColumns(2, func(i int) string { return "e" + string(rune('0'+i)) }); got != "e0 AS c1, e1 AS c2" {
		t.Errorf("RowColumns = %q", got)
	}
}
