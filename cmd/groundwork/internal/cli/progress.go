package cli

import (
	"fmt"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// progressDelay keeps quick runs free of any progress line.
const progressDelay = 300 * time.Millisecond

// progress shows a spinner with the step the run is at ("apply 12/36
// orgaccess:dev-members 4.2s") on stdout while a run goes on, only when
// stdout is a terminal and the output is text, so pipes and logs never
// see it. It returns the stop func, which erases the line.
func (a *app) progress(label string) func() {
	a.at.Store(nil)
	if a.st.Output == "json" || !isTerminal(a.stdout) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		frames := []string{"|", "/", "-", `\`}
		start := time.Now()
		t := time.NewTicker(120 * time.Millisecond)
		defer t.Stop()
		shown := false
		for i := 0; ; i++ {
			select {
			case <-done:
				if shown {
					fmt.Fprint(a.stdout, "\r\033[K")
				}
				return
			case <-t.C:
				if time.Since(start) < progressDelay {
					continue
				}
				shown = true
				fmt.Fprintf(a.stdout, "\r\033[K%s %s%s %s", frames[i%len(frames)], label, progressStep(a.at.Load()),
					time.Since(start).Round(100*time.Millisecond))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progressStep renders where the run is, or "…" before its first step.
func progressStep(p *core.Progress) string {
	if p == nil {
		return "…"
	}
	phase := ""
	if p.Phase == core.PhaseVerify {
		phase = " verify"
	}
	return fmt.Sprintf("%s %d/%d %s", phase, p.Index, p.Total, p.Step)
}
