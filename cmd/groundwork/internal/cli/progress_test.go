package cli

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func TestProgressStepNamesTheStep(t *testing.T) {
	cases := []struct {
		p    *core.Progress
		want string
	}{
		{nil, "…"},
		{&core.Progress{Phase: core.PhaseCheck, Step: "orgaccess:dev-members", Index: 12, Total: 36}, " 12/36 orgaccess:dev-members"},
		{&core.Progress{Phase: core.PhaseVerify, Step: "view:v", Index: 3, Total: 4}, " verify 3/4 view:v"},
	}
	for _, c := range cases {
		if got := progressStep(c.p); got != c.want {
			t.Errorf("progressStep(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}
