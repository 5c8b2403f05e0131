package orgaccess

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// TestWrappersKeepOptionalInterfaces: a step the pack wraps (a host guard)
// offers every optional interface its wrapped step offers. A wrapper that
// dropped one would not fail: the runner would silently lose the step's
// validation, its verify proof, its batched reads or its catalog scope.
func TestWrappersKeepOptionalInterfaces(t *testing.T) {
	optional := map[string]func(core.Step) bool{
		"Verifier":       func(s core.Step) bool { _, ok := s.(core.Verifier); return ok },
		"Applier":        func(s core.Step) bool { _, ok := s.(core.Applier); return ok },
		"Validator":      func(s core.Step) bool { _, ok := s.(core.Validator); return ok },
		"Reader":         func(s core.Step) bool { _, ok := s.(core.Reader); return ok },
		"CatalogScoper":  func(s core.Step) bool { _, ok := s.(core.CatalogScoper); return ok },
		"CatalogGuesser": func(s core.Step) bool { _, ok := s.(core.CatalogGuesser); return ok },
	}
	wrapped := 0
	for _, cfg := range []Config{{}, {Access: AccessGroups}, {Environment: "development"}} {
		for _, st := range Steps(cfg) {
			var inner core.Step
			switch g := st.(type) {
			case *guarded:
				inner = g.Step
			case scopedGuard:
				inner = g.Step
			default:
				continue
			}
			wrapped++
			for name, has := range optional {
				if has(inner) && !has(st) {
					t.Errorf("%s: the wrapper drops %s (%T)", st.Info().ID, name, inner)
				}
			}
		}
	}
	if wrapped == 0 {
		t.Fatal("no wrapped step found: the test no longer sees the pack's wrappers")
	}
}
