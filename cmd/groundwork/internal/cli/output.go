package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
)

func (a *app) printJSON(v any) {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// maskReport masks the free text of a report (errors, reasons, drift,
// notes): reports hold no secret by construction, this is the last line
// of defence.
func (a *app) maskReport(rep *core.Report) {
	rep.Error = a.mask.mask(rep.Error)
	for i := range rep.Steps {
		st := &rep.Steps[i]
		st.Error, st.Reason = a.mask.mask(st.Error), a.mask.mask(st.Reason)
		for j := range st.Drift {
			st.Drift[j].Detail = a.mask.mask(st.Drift[j].Detail)
		}
		for j := range st.Notes {
			st.Notes[j] = a.mask.mask(st.Notes[j])
		}
	}
}

// printReport writes the report: JSON, or a table, the details and one
// summary line.
func (a *app) printReport(rep *core.Report) {
	if rep == nil {
		return
	}
	a.maskReport(rep)
	if a.st.Output == "json" {
		a.printJSON(rep)
		return
	}
	a.printReportText(rep)
}

// quiet reports whether a report is worth one line only: nothing
// changed, nothing drifted, failed or pending (a converged no-op on every
// pod start, like goose's "no migrations to run"); notes and skip
// reasons wait for -v, but for a skip marked Notice (a held view).
func quiet(rep *core.Report) bool {
	if rep.Changed || rep.Error != "" || (rep.Status != core.RunConverged && !(rep.Status == core.RunPending && rep.Mode != core.ModePlan)) {
		return false
	}
	for _, st := range rep.Steps {
		if len(st.Drift) > 0 || st.Error != "" || st.Status == core.StatusPending {
			return false
		}
	}
	return true
}

// skipped counts the steps that skipped.
func skipped(rep *core.Report) int {
	n := 0
	for _, st := range rep.Steps {
		if st.Status == core.StatusSkipped {
			n++
		}
	}
	return n
}

func (a *app) printReportText(rep *core.Report) {
	if !a.verbose && a.st.Output != "wide" && quiet(rep) {
		line := summary(rep)
		if skipped(rep) > 0 {
			line += " (-v says why steps skipped)"
		}
		fmt.Fprintln(a.stdout, line)
		// A held view is worth its line: what the operator waits for.
		for _, st := range rep.Steps {
			if st.Notice && st.Reason != "" {
				fmt.Fprintf(a.stdout, "  %s: %s\n", st.ID, st.Reason)
			}
		}
		return
	}
	if len(rep.Steps) > 0 {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tSTATUS\tCHANGES\tTIME")
		for _, st := range rep.Steps {
			changes := "-"
			if n := len(st.Changes); n > 0 {
				changes = fmt.Sprint(n)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.ID, st.Status, changes, fmtMS(st.DurationMS))
		}
		_ = tw.Flush()
	}
	details := a.details(rep)
	if details != "" {
		fmt.Fprint(a.stdout, "\n"+details)
	}
	fmt.Fprintln(a.stdout, "\n"+summary(rep))
}

// details says, per step, what changed or would change (with the SQL in
// a plan), what drifted, why a step skipped and what failed.
func (a *app) details(rep *core.Report) string {
	var b strings.Builder
	for _, st := range rep.Steps {
		var lines []string
		verb := "+"
		if st.Status == core.StatusPending {
			verb = "would"
		}
		for _, c := range st.Changes {
			lines = append(lines, "  "+verb+" "+c)
		}
		if rep.Mode == core.ModePlan {
			for _, q := range st.SQL {
				lines = append(lines, "      "+strings.TrimSuffix(q, ";")+";")
			}
		}
		for _, d := range st.Drift {
			lines = append(lines, "  drift: "+d.String())
		}
		if st.Reason != "" {
			lines = append(lines, "  skipped: "+st.Reason)
		}
		if st.Error != "" {
			lines = append(lines, "  error: "+st.Error)
		}
		for _, n := range st.Notes {
			lines = append(lines, "  note: "+n)
		}
		if len(lines) > 0 {
			b.WriteString(st.ID + "\n" + strings.Join(lines, "\n") + "\n")
		}
	}
	return b.String()
}

// summary is the one line that says how the run ended.
func summary(rep *core.Report) string {
	counts := map[string]int{}
	for _, st := range rep.Steps {
		counts[st.Status]++
	}
	var parts []string
	for _, s := range []string{core.StatusApplied, core.StatusPending, core.StatusOK, core.StatusSkipped, core.StatusDrift, core.StatusFailed} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	what := "nothing changed"
	switch {
	case rep.Mode == core.ModePlan && counts[core.StatusPending] > 0:
		what = pluralize(counts[core.StatusPending], "step") + " would change; run apply to make them"
	case rep.Mode == core.ModePlan:
		what = "nothing to do"
	case rep.Mode == core.ModeVerify && rep.Status != core.RunFailed && rep.Status != core.RunDrift && hostMissing(rep) != "":
		what = "not ready: Open WebUI's tables are not there yet"
	case rep.Mode == core.ModeVerify && rep.Status == core.RunConverged:
		what = "everything holds"
	case rep.Mode == core.ModeVerify && rep.Status == core.RunDrift:
		what = "drift found; run apply to heal what can be healed"
	case rep.Changed:
		what = "changed"
	}
	line := fmt.Sprintf("%s: %s, %s", rep.Mode, rep.Status, what)
	if len(parts) > 0 {
		line += " (" + pluralize(len(rep.Steps), "step") + ": " + strings.Join(parts, ", ") + ")"
	}
	var stats []string
	if rep.Statements > 0 {
		stats = append(stats, pluralize(rep.Statements, "statement"))
	}
	if rep.Queries > 0 {
		stats = append(stats, plural(int(rep.Queries), "query", "queries"))
	}
	if rep.DurationMS > 0 {
		stats = append(stats, fmtMS(rep.DurationMS))
	}
	if len(stats) > 0 {
		line += "; " + strings.Join(stats, ", ")
	}
	if rep.Dialect != "" {
		line += " on " + rep.Dialect
	}
	return line
}

func fmtMS(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// stepsWidth is what the steps table fits in by default; -o wide adds
// the dependencies and the whole descriptions.
const stepsWidth = 100

func (a *app) printSteps(infos []core.StepInfo) {
	if a.st.Output == "json" {
		a.printJSON(infos)
		return
	}
	wide := a.st.Output == "wide"
	rows := [][]string{{"#", "ID", "TAGS", "DESCRIPTION"}}
	if wide {
		rows[0] = []string{"#", "ID", "AFTER", "TAGS", "DESCRIPTION"}
	}
	for i, in := range infos {
		tags := append([]string(nil), in.Tags...)
		if in.OptIn {
			tags = append(tags, "(opt-in)")
		}
		row := []string{fmt.Sprint(i + 1), in.ID, orDash(strings.Join(tags, ","))}
		if wide {
			row = []string{row[0], row[1], orDash(strings.Join(in.After, ", ")), orDash(strings.Join(tags, ", "))}
		}
		rows = append(rows, append(row, in.Description))
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for j, c := range r[:len(r)-1] {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for j, c := range r[:len(r)-1] {
			b.WriteString(c + strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c)+2))
		}
		desc := r[len(r)-1]
		if room := stepsWidth - utf8.RuneCountInString(b.String()); !wide && utf8.RuneCountInString(desc) > room {
			desc = string([]rune(desc)[:max(room-1, 0)]) + "…"
		}
		fmt.Fprintln(a.stdout, b.String()+desc)
	}
}

func (a *app) printHistory(runs []history.Run) {
	for i := range runs {
		runs[i].Error = a.mask.mask(runs[i].Error)
	}
	if a.st.Output == "json" {
		a.printJSON(runs)
		return
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "no runs recorded yet (apply records each run in table "+history.TableName+")")
		return
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED (UTC)\tDURATION\tMODE\tSTATUS\tCHANGED\tSTEPS\tHOST\tVERSION\tPLAN\tERROR")
	for _, r := range runs {
		hash := r.PlanHash
		if len(hash) > 12 {
			hash = hash[:12]
		}
		errText := r.Error
		if len(errText) > 80 {
			errText = errText[:77] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%t\t%d\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt.UTC().Format("2006-01-02 15:04:05"),
			r.Duration(), r.Mode, r.Status, r.Changed, r.StepsChanged, orDash(r.Host), orDash(r.Version), orDash(hash), orDash(errText))
	}
	_ = tw.Flush()
}

// printRun shows one recorded run and what its steps did.
func (a *app) printRun(r *history.Run) {
	r.Error = a.mask.mask(r.Error)
	if a.st.Output == "json" {
		a.printJSON(r)
		return
	}
	fmt.Fprintf(a.stdout, "run %d: %s %s, changed %t (%s), started %s UTC, took %s\n", r.ID, r.Mode, r.Status, r.Changed,
		pluralize(r.StepsChanged, "step")+" changed", r.StartedAt.UTC().Format("2006-01-02 15:04:05"), r.Duration())
	fmt.Fprintf(a.stdout, "host %s, groundwork %s, plan hash %s\n", orDash(r.Host), orDash(r.Version), orDash(r.PlanHash))
	if r.Error != "" {
		fmt.Fprintln(a.stdout, "error: "+r.Error)
	}
	if len(r.Steps) == 0 {
		fmt.Fprintln(a.stdout, "every step was ok")
		return
	}
	fmt.Fprintln(a.stdout)
	for _, st := range r.Steps {
		fmt.Fprintf(a.stdout, "%s: %s\n", st.ID, st.Status)
		for _, c := range st.Changes {
			fmt.Fprintln(a.stdout, "  + "+c)
		}
		for _, d := range st.Drift {
			fmt.Fprintln(a.stdout, "  drift: "+a.mask.mask(d.String()))
		}
		if st.Reason != "" {
			fmt.Fprintln(a.stdout, "  skipped: "+a.mask.mask(st.Reason))
		}
		if st.Error != "" {
			fmt.Fprintln(a.stdout, "  error: "+a.mask.mask(st.Error))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
