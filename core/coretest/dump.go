package coretest

import (
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// Dump renders a report for a test failure message.
func Dump(rep *core.Report) string {
	if rep == nil {
		return "(no report)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "status=%s changed=%t error=%s\n", rep.Status, rep.Changed, rep.Error)
	for _, s := range rep.Steps {
		fmt.Fprintf(&b, "  %-40s %-8s changes=%v drift=%v notes=%v reason=%s err=%s\n", s.ID, s.Status, s.Changes, s.Drift, s.Notes, s.Reason, s.Error)
	}
	return b.String()
}
