package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Merge folds fresh into the results stored in the JSON file at path: the
// rows and plans of every (workload, dialect) fresh measured replace the
// stored ones, the rest are kept, and the targets are evaluated again. It
// lets one workload be measured again without the whole run.
func Merge(path string, fresh *Results) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: merge: %w", err)
	}
	var old Results
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("bench: merge: %s: %w", path, err)
	}
	type key struct{ workload, dialect string }
	measured := map[key]bool{}
	for _, r := range fresh.Rows {
		measured[key{r.Workload, r.Dialect}] = true
	}
	out := *fresh
	out.Rows = slices.DeleteFunc(old.Rows, func(r Row) bool { return measured[key{r.Workload, r.Dialect}] })
	out.Rows = append(out.Rows, fresh.Rows...)
	out.Plans = slices.DeleteFunc(old.Plans, func(p QueryPlan) bool { return measured[key{p.Workload, p.Dialect}] })
	out.Plans = append(out.Plans, fresh.Plans...)
	// Notes about what was measured again (a failure, say) go with it.
	out.Notes = slices.DeleteFunc(old.Notes, func(n string) bool {
		for k := range measured {
			if strings.HasPrefix(n, k.workload+" on "+k.dialect) {
				return true
			}
		}
		return false
	})
	out.Notes = append(out.Notes, fresh.Notes...)
	out.Notes = append(out.Notes, fmt.Sprintf("merged: %s (%s) into the run of %s (%s)", fresh.Command, fresh.Date, old.Command, old.Date))
	out.Date, out.Command, out.Sizes = old.Date, old.Command, old.Sizes
	out.LoadStart, out.LoadEnd = old.LoadStart+" / merged run: "+fresh.LoadStart, old.LoadEnd+" / merged run: "+fresh.LoadEnd
	if out.BinaryBytes == 0 {
		out.BinaryBytes = old.BinaryBytes
	}
	out.Failed = fresh.Failed || slices.ContainsFunc(out.Notes, func(n string) bool { return strings.Contains(n, " failed") })
	out.Targets = nil
	evaluate(&out)
	return &out, nil
}
