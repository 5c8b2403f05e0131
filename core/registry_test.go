package core_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/groundworkdb/groundwork/core"
)

// depStep is a step that only declares its place: an id, what it runs
// after, and optionally a validation that fails.
type depStep struct {
	id      string
	after   []string
	invalid error
}

func (d depStep) Info() core.StepInfo { return core.StepInfo{ID: d.id, After: d.after} }

func (d depStep) Check(context.Context, *core.Session) (*core.Plan, error) { return &core.Plan{}, nil }

func (d depStep) Validate() error { return d.invalid }

var _ core.Validator = depStep{}

func ids(steps []core.Step) []string {
	out := make([]string, len(steps))
	for i, st := range steps {
		out[i] = st.Info().ID
	}
	return out
}

// The registry's errors are what a pack author meets first: each names the
// ids involved and is typed, so a caller can branch on it.
func TestRegistryErrors(t *testing.T) {
	bad := errors.New("no columns")
	for _, c := range []struct {
		name  string
		steps []core.Step
		want  error
		names []string
	}{
		{"empty id", []core.Step{depStep{id: "a"}, depStep{}}, core.ErrInvalid, []string{"#2"}},
		{"duplicate", []core.Step{depStep{id: "a"}, depStep{id: "b"}, depStep{id: "a"}}, core.ErrDuplicateStep, []string{`"a"`, "#1", "#3"}},
		{"unknown dependency", []core.Step{depStep{id: "a", after: []string{"missing"}}}, core.ErrUnknownDependency, []string{`"a"`, `"missing"`}},
		{"self cycle", []core.Step{depStep{id: "a", after: []string{"a"}}}, core.ErrCycle, []string{"a"}},
		{"cycle", []core.Step{
			depStep{id: "free"},
			depStep{id: "x", after: []string{"z"}},
			depStep{id: "y", after: []string{"x"}},
			depStep{id: "z", after: []string{"y"}},
		}, core.ErrCycle, []string{"x", "y", "z"}},
		{"invalid step", []core.Step{depStep{id: "a", invalid: bad}}, bad, []string{`"a"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.NewRegistry(c.steps...)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			for _, n := range c.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("%q does not name %s", err, n)
				}
			}
			if c.want == core.ErrCycle && strings.Contains(err.Error(), "free") {
				t.Errorf("%q names a step outside the cycle", err)
			}
		})
	}
}

// The order is the given order, moved only as far as dependencies require:
// every step after what it declares, and two steps the dependencies leave
// free keep their given order whenever neither has to wait for a later one.
func TestRegistryOrderProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "n")
		// Dependencies point to any other step; cycles make the registry
		// refuse, which the property checks too.
		steps := make([]core.Step, n)
		for i := range n {
			var after []string
			if n > 1 {
				for _, j := range rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 0, 3, rapid.ID[int]).Draw(t, fmt.Sprintf("after%d", i)) {
					if j != i {
						after = append(after, fmt.Sprint("s", j))
					}
				}
			}
			steps[i] = depStep{id: fmt.Sprint("s", i), after: after}
		}
		reg, err := core.NewRegistry(steps...)
		if err != nil {
			if !errors.Is(err, core.ErrCycle) {
				t.Fatalf("unexpected error %v", err)
			}
			if !hasCycle(steps) {
				t.Fatalf("refused an acyclic registry: %v", err)
			}
			return
		}
		if hasCycle(steps) {
			t.Fatal("accepted a cycle")
		}
		order := ids(reg.Steps())
		if len(order) != n {
			t.Fatalf("%d steps out of %d", len(order), n)
		}
		pos := map[string]int{}
		for i, id := range order {
			pos[id] = i
		}
		for _, st := range steps {
			for _, dep := range st.Info().After {
				if pos[dep] > pos[st.Info().ID] {
					t.Fatalf("%s runs before %s, which it runs after: %v", st.Info().ID, dep, order)
				}
			}
		}
		// Without dependencies the order is the given one.
		if !slices.ContainsFunc(steps, func(s core.Step) bool { return len(s.Info().After) > 0 }) {
			if !slices.Equal(order, ids(steps)) {
				t.Fatalf("order %v, want the given %v", order, ids(steps))
			}
		}
	})
}

// hasCycle tells by depth-first search whether the steps' dependencies
// form a cycle: the property's oracle, written apart from the registry's
// own (Kahn's) algorithm.
func hasCycle(steps []core.Step) bool {
	after := map[string][]string{}
	for _, st := range steps {
		after[st.Info().ID] = st.Info().After
	}
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case open:
			return true
		case done:
			return false
		}
		state[id] = open
		for _, dep := range after[id] {
			if visit(dep) {
				return true
			}
		}
		state[id] = done
		return false
	}
	for _, st := range steps {
		if visit(st.Info().ID) {
			return true
		}
	}
	return false
}
