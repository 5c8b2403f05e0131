package core

import (
	"io"
	"log/slog"
	"time"
)

// Option configures a Runner.
type Option func(*options)

type options struct {
	logger      *slog.Logger
	lockName    string
	lockWait    time.Duration
	timeout     time.Duration
	stepTimeout time.Duration
	selection   Selection
	environment string
	recorder    Recorder
	progress    func(Progress)
}

func defaultOptions() options {
	return options{
		logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		lockName: "groundwork",
		lockWait: time.Minute,
	}
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithLockName names the cross-process lock (default "groundwork"). Runs
// with different names do not exclude each other.
func WithLockName(name string) Option { return func(o *options) { o.lockName = name } }

// WithLockTimeout bounds the wait for the lock (default one minute).
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockWait = d } }

// WithTimeout bounds the whole run (default none beyond the context's).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithStepTimeout bounds each step's check and apply (default none): a
// step over it fails with a *StepError wrapping ErrStepTimeout, its
// statements cancelled and its transaction rolled back.
func WithStepTimeout(d time.Duration) Option { return func(o *options) { o.stepTimeout = d } }

// WithSelection runs only the selected steps.
func WithSelection(sel Selection) Option { return func(o *options) { o.selection = sel } }

// WithEnvironment tells steps which environment this is.
func WithEnvironment(env string) Option { return func(o *options) { o.environment = env } }

// WithRecorder records each apply run (see Recorder).
func WithRecorder(r Recorder) Option { return func(o *options) { o.recorder = r } }
