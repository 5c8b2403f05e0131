package core

import (
	"fmt"
	"slices"
	"strings"
)

// Registry is an ordered set of steps. It is built explicitly by the
// caller; nothing registers itself.
type Registry struct {
	steps []Step
}

// NewRegistry orders steps: the order given, moved only as far as
// declared dependencies require (a stable topological sort). A duplicate
// id, an unknown dependency or a cycle is an error naming the ids.
func NewRegistry(steps ...Step) (*Registry, error) {
	pos := make(map[string]int, len(steps))
	for i, st := range steps {
		id := st.Info().ID
		if id == "" {
			return nil, fmt.Errorf("core: registry: step #%d has an empty id: %w", i+1, ErrInvalid)
		}
		if j, dup := pos[id]; dup {
			return nil, fmt.Errorf("core: registry: %q given twice (#%d and #%d): %w", id, j+1, i+1, ErrDuplicateStep)
		}
		pos[id] = i
		if v, ok := st.(Validator); ok {
			if err := v.Validate(); err != nil {
				return nil, fmt.Errorf("core: registry: step %q: %w", id, err)
			}
		}
	}
	waiting := make([]int, len(steps)) // unmet dependencies per step
	next := make([][]int, len(steps))  // steps unblocked by each step
	for i, st := range steps {
		for _, dep := range st.Info().After {
			j, ok := pos[dep]
			if !ok {
				return nil, fmt.Errorf("core: registry: %q runs after %q, which no step has: %w", st.Info().ID, dep, ErrUnknownDependency)
			}
			waiting[i]++
			next[j] = append(next[j], i)
		}
	}
	var ready, order []int
	for i := range steps {
		if waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		// The lowest original position goes first: that keeps the given
		// order wherever dependencies allow.
		k := slices.Index(ready, slices.Min(ready))
		i := ready[k]
		ready = slices.Delete(ready, k, k+1)
		order = append(order, i)
		for _, j := range next[i] {
			if waiting[j]--; waiting[j] == 0 {
				ready = append(ready, j)
			}
		}
	}
	if len(order) < len(steps) {
		var stuck []string
		for i := range steps {
			if waiting[i] > 0 {
				stuck = append(stuck, steps[i].Info().ID)
			}
		}
		return nil, fmt.Errorf("core: registry: steps %s depend on each other: %w", strings.Join(stuck, ", "), ErrCycle)
	}
	r := &Registry{steps: make([]Step, len(order))}
	for k, i := range order {
		r.steps[k] = steps[i]
	}
	return r, nil
}

// Steps returns the steps in run order.
func (r *Registry) Steps() []Step { return slices.Clone(r.steps) }

// Infos returns the descriptions of the steps in run order.
func (r *Registry) Infos() []StepInfo {
	out := make([]StepInfo, len(r.steps))
	for i, st := range r.steps {
		out[i] = st.Info()
	}
	return out
}

// Selection chooses steps by id or tag. The zero Selection takes every
// step that is not opt-in.
type Selection struct {
	IDs  []string
	Tags []string
	// Include adds opt-in steps, by id, to the default set.
	Include []string
}

func (sel Selection) empty() bool { return len(sel.IDs) == 0 && len(sel.Tags) == 0 }

// Select returns the selected steps in run order, or an error naming an
// id or tag that matches nothing (a typo should not silently run nothing).
func (r *Registry) Select(sel Selection) ([]Step, error) {
	if sel.empty() {
		var out []Step
		for _, st := range r.steps {
			if !st.Info().OptIn || slices.Contains(sel.Include, st.Info().ID) {
				out = append(out, st)
			}
		}
		for _, id := range sel.Include {
			if !slices.ContainsFunc(r.steps, func(st Step) bool { return st.Info().ID == id }) {
				return nil, fmt.Errorf("core: select: no step has id %q: %w", id, ErrInvalid)
			}
		}
		return out, nil
	}
	used := map[string]bool{}
	var out []Step
	for _, st := range r.steps {
		info := st.Info()
		hit := false
		if slices.Contains(sel.IDs, info.ID) {
			used["id:"+info.ID], hit = true, true
		}
		for _, t := range info.Tags {
			if slices.Contains(sel.Tags, t) {
				used["tag:"+t], hit = true, true
			}
		}
		if hit {
			out = append(out, st)
		}
	}
	for _, id := range sel.IDs {
		if !used["id:"+id] {
			return nil, fmt.Errorf("core: select: no step has id %q: %w", id, ErrInvalid)
		}
	}
	for _, t := range sel.Tags {
		if !used["tag:"+t] {
			return nil, fmt.Errorf("core: select: no step has tag %q: %w", t, ErrInvalid)
		}
	}
	return out, nil
}
