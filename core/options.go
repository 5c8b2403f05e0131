package core

import (
	"io"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
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
	recordAll   bool
	stepTx      bool          // WithStepTransactions (group.go)
	txBudget    time.Duration // WithTransactionBudget (group.go)
	progress    func(Progress)

	// Telemetry (see telemetry.go): nil providers record nothing.
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	statementSpans bool
	telemetryMask  func(string) string
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

// WithRecorder records apply runs (see Recorder): by default each one
// that changed something, failed, found drift or was interrupted. A run
// that found everything in place is not recorded, so a converged start
// writes nothing (see WithRecordAll).
func WithRecorder(r Recorder) Option { return func(o *options) { o.recorder = r } }

// WithRecordAll records every apply run, also the converged ones that
// changed nothing: such a run then takes the lock to write its row.
func WithRecordAll(on bool) Option { return func(o *options) { o.recordAll = on } }

// WithTracerProvider traces each run with tp: a span per run, per phase
// and per step (see README, "Observability"). Without it, and without
// WithGlobalTelemetry, the runner makes no span at all.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider = tp }
}

// WithMeterProvider records each run's metrics (duration, steps by
// status, statements, round trips, lock wait, drift) with mp. Without
// it, and without WithGlobalTelemetry, the runner records none.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.meterProvider = mp }
}

// WithGlobalTelemetry uses the providers registered with the otel
// package (otel.SetTracerProvider, otel.SetMeterProvider) for whatever
// WithTracerProvider or WithMeterProvider does not set. The runner never
// reads the global ones unless told to.
func WithGlobalTelemetry() Option {
	return func(o *options) {
		if o.tracerProvider == nil {
			o.tracerProvider = otel.GetTracerProvider()
		}
		if o.meterProvider == nil {
			o.meterProvider = otel.GetMeterProvider()
		}
	}
}

// WithStatementSpans adds a span for every database statement, with its
// SQL as plans show it (secrets as ***): a debug level, off by default,
// as a run makes a span per round trip with it.
func WithStatementSpans(on bool) Option { return func(o *options) { o.statementSpans = on } }

// WithTelemetryMask passes every error message and SQL text through
// mask before it becomes a span attribute, as the CLI masks the secrets
// it knows (a database's error may quote a value it refused).
func WithTelemetryMask(mask func(string) string) Option {
	return func(o *options) { o.telemetryMask = mask }
}
