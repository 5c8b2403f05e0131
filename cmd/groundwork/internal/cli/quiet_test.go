package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// TestQuietNoticeLine: a converged no-op is one line, and a held view
// (a skip marked Notice) adds its own line; other skips wait for -v.
func TestQuietNoticeLine(t *testing.T) {
	rep := func(steps ...core.StepReport) *core.Report {
		return &core.Report{Mode: core.ModeApply, Dialect: "sqlite", Status: core.RunConverged, Steps: steps}
	}
	print := func(r *core.Report) []string {
		var out bytes.Buffer
		a := &app{stdout: &out, stderr: &out, st: &settings{Output: "text"}}
		a.printReportText(r)
		return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	}
	if lines := print(rep(core.StepReport{ID: "a", Status: core.StatusOK}, core.StepReport{ID: "b", Status: core.StatusSkipped, Reason: "not configured"})); len(lines) != 1 {
		t.Fatalf("a no-op prints %d lines, want 1: %q", len(lines), lines)
	}
	lines := print(rep(core.StepReport{ID: "view:v", Status: core.StatusSkipped, Notice: true, Reason: "waiting for the host upgrade: x"}))
	if len(lines) != 2 || lines[1] != "  view:v: waiting for the host upgrade: x" {
		t.Fatalf("a held view prints %q, want the summary and its line", lines)
	}
}
