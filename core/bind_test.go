package core_test

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func TestParamList(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "?", 3: "?, ?, ?"} {
		if got := core.ParamList(n); got != want {
			t.Errorf("ParamList(%d) = %q, want %q", n, got, want)
		}
	}
}
