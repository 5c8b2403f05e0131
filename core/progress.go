package core

// Progress tells an observer which step a run is at, so a long data step
// can be shown by name while it runs.
type Progress struct {
	Phase Phase  // check (which, while applying, goes on into apply) or verify
	Step  string // the step's id
	Index int    // 1-based position among the selected steps
	Total int    // how many steps are selected
}

// WithProgress calls fn as each step starts each phase. fn runs on the
// runner's goroutine: keep it quick (store the value, let a ticker draw it).
func WithProgress(fn func(Progress)) Option { return func(o *options) { o.progress = fn } }

func (o *options) report(p Progress) {
	if o.progress != nil {
		o.progress(p)
	}
}
