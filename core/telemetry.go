package core

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The runner's OpenTelemetry instrumentation: one span per run, a child
// per phase (lock, check, apply, verify, inspect) and per step, the
// statements only when asked (WithStatementSpans), and the run's metrics.
// Without WithTracerProvider, WithMeterProvider or WithGlobalTelemetry
// the runner holds no telemetry at all (a nil *telemetry): every hook
// returns at once, and a run costs what it did before.

// InstrumentationName is the name of the tracer and the meter the runner
// uses (the instrumentation scope of its spans and metrics).
const InstrumentationName = "github.com/groundworkdb/groundwork/core"

// Span names. The run's span is "groundwork <mode>"; a step's is
// "step <id>" (ids are a fixed, small set); a statement's is its first
// SQL keyword, as the database semantic conventions ask.
const (
	spanPhasePrefix = "groundwork."
	spanStepPrefix  = "step "
)

// phaseLock and phaseInspect are phases of a run that no step fails in
// (a lock failure is a *LockError), so they are not Phase constants.
const (
	phaseLock    Phase = "lock"
	phaseInspect Phase = "inspect"
)

// Attribute keys. db.system.name comes from the semantic conventions;
// the rest are groundwork's own, under its namespace.
const (
	attrRunMode         = attribute.Key("groundwork.run.mode")
	attrRunStatus       = attribute.Key("groundwork.run.status")
	attrRunChanged      = attribute.Key("groundwork.run.changed")
	attrRunQueries      = attribute.Key("groundwork.run.queries")
	attrRunStatements   = attribute.Key("groundwork.run.statements")
	attrRunSteps        = attribute.Key("groundwork.run.steps")
	attrRunDrift        = attribute.Key("groundwork.run.drift")
	attrLockWait        = attribute.Key("groundwork.lock.wait.duration") // seconds
	attrLockName        = attribute.Key("groundwork.lock.name")
	attrLockOutcome     = attribute.Key("groundwork.lock.outcome")
	attrStepID          = attribute.Key("groundwork.step.id")
	attrStepStatus      = attribute.Key("groundwork.step.status")
	attrStepChanges     = attribute.Key("groundwork.step.changes")
	attrStepDrift       = attribute.Key("groundwork.step.drift")
	attrStepRows        = attribute.Key("groundwork.step.rows_affected")
	attrStepTransaction = attribute.Key("groundwork.step.transactional")
)

// Metric names and units, after the semantic conventions' rules: a
// namespace, durations in seconds as histograms named *.duration, counts
// with a {curly} annotation unit.
const (
	MetricRunDuration   = "groundwork.run.duration"       // histogram, s
	MetricSteps         = "groundwork.steps"              // counter, {step}, by groundwork.step.status
	MetricRunStatements = "groundwork.run.statements"     // histogram, {statement}
	MetricRunQueries    = "groundwork.run.queries"        // histogram, {query}: round trips
	MetricLockWait      = "groundwork.lock.wait.duration" // histogram, s
	MetricDrift         = "groundwork.drift.found"        // counter, {drift}
)

// durationBuckets suit a run or a lock wait: milliseconds for a warm
// start, minutes for a cold one or a long wait.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// telemetry is a runner's instrumentation; nil records nothing.
type telemetry struct {
	tracer     trace.Tracer // nil: no spans
	statements bool
	mask       func(string) string
	system     attribute.KeyValue
	m          *instruments // nil: no metrics
}

type instruments struct {
	runDuration metric.Float64Histogram
	steps       metric.Int64Counter
	statements  metric.Int64Histogram
	queries     metric.Int64Histogram
	lockWait    metric.Float64Histogram
	drift       metric.Int64Counter
}

// noSpan is what the hooks return when there is nothing to record: a
// span whose methods do nothing, so the runner calls them unconditionally.
var noSpan trace.Span = noop.Span{}

func noEnd(error) {}

// newTelemetry returns the instrumentation the options ask for, or nil.
func newTelemetry(o options, dialect string) *telemetry {
	tp, mp := o.tracerProvider, o.meterProvider
	if tp == nil && mp == nil {
		return nil
	}
	t := &telemetry{statements: o.statementSpans, mask: o.telemetryMask, system: dbSystem(dialect)}
	if t.mask == nil {
		t.mask = func(s string) string { return s }
	}
	if tp != nil {
		t.tracer = tp.Tracer(InstrumentationName, trace.WithSchemaURL(semconv.SchemaURL))
	}
	if mp != nil {
		t.m = newInstruments(mp.Meter(InstrumentationName, metric.WithSchemaURL(semconv.SchemaURL)), o.logger)
	}
	return t
}

func newInstruments(m metric.Meter, log *slog.Logger) *instruments {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	in := &instruments{}
	var err error
	// An instrument that fails to register comes back as a no-op one, so
	// the run goes on; the error is only logged.
	in.runDuration, err = m.Float64Histogram(MetricRunDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of a groundwork run (apply, plan or verify)."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	keep(err)
	in.steps, err = m.Int64Counter(MetricSteps, metric.WithUnit("{step}"),
		metric.WithDescription("Steps run, by the status they ended with."))
	keep(err)
	in.statements, err = m.Int64Histogram(MetricRunStatements, metric.WithUnit("{statement}"),
		metric.WithDescription("Statements a run applied (0 on a warm start)."))
	keep(err)
	in.queries, err = m.Int64Histogram(MetricRunQueries, metric.WithUnit("{query}"),
		metric.WithDescription("Database round trips of a run."))
	keep(err)
	in.lockWait, err = m.Float64Histogram(MetricLockWait, metric.WithUnit("s"),
		metric.WithDescription("Time an apply waited for the cross-process lock."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	keep(err)
	in.drift, err = m.Int64Counter(MetricDrift, metric.WithUnit("{drift}"),
		metric.WithDescription("Differences found that groundwork does not heal."))
	keep(err)
	if err := errors.Join(errs...); err != nil {
		log.Warn("telemetry: some metrics are not recorded", "err", err)
	}
	return in
}

// dbSystem maps a dialect to the semantic conventions' db.system.name.
func dbSystem(dialect string) attribute.KeyValue {
	switch dialect {
	case "postgres":
		return semconv.DBSystemNamePostgreSQL
	case "sqlite":
		return semconv.DBSystemNameSQLite
	case "mysql":
		return semconv.DBSystemNameMySQL
	}
	return semconv.DBSystemNameOtherSQL
}

// startRun starts the run's span.
func (t *telemetry) startRun(ctx context.Context, mode string) (context.Context, trace.Span) {
	if t == nil || t.tracer == nil {
		return ctx, noSpan
	}
	return t.tracer.Start(ctx, "groundwork "+mode, trace.WithAttributes(attrRunMode.String(mode), t.system))
}

// endRun ends the run's span with the report's totals and records the
// run's metrics. rep is final: settle has run.
func (t *telemetry) endRun(ctx context.Context, span trace.Span, rep *Report, err error) {
	if t == nil {
		return
	}
	drift := len(rep.Drift())
	if span.IsRecording() {
		span.SetAttributes(attrRunStatus.String(rep.Status), attrRunChanged.Bool(rep.Changed),
			attrRunQueries.Int64(rep.Queries), attrRunStatements.Int(rep.Statements),
			attrRunSteps.Int(len(rep.Steps)), attrRunDrift.Int(drift))
		if rep.Mode == ModeApply {
			span.SetAttributes(attrLockWait.Float64(rep.LockWaitMS / 1000))
		}
		if err != nil {
			// The exception itself is on the span of the step (or the
			// lock) that failed; the run says that it failed, and how.
			span.SetStatus(codes.Error, t.mask(err.Error()))
			span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
		}
	}
	span.End()
	if t.m == nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // a cancelled run is still measured
	base := []attribute.KeyValue{attrRunMode.String(rep.Mode), t.system}
	run := metric.WithAttributes(append(base, attrRunStatus.String(rep.Status))...)
	if err != nil {
		run = metric.WithAttributes(append(base, attrRunStatus.String(rep.Status), semconv.ErrorTypeKey.String(errorType(err)))...)
	}
	t.m.runDuration.Record(ctx, rep.DurationMS/1000, run)
	t.m.queries.Record(ctx, rep.Queries, metric.WithAttributes(base...))
	t.m.statements.Record(ctx, int64(rep.Statements), metric.WithAttributes(base...))
	t.m.drift.Add(ctx, int64(drift), metric.WithAttributes(base...))
	byStatus := map[string]int64{}
	for _, s := range rep.Steps {
		byStatus[s.Status]++
	}
	for status, n := range byStatus {
		t.m.steps.Add(ctx, n, metric.WithAttributes(append(base, attrStepStatus.String(status))...))
	}
}

// phase starts the span of a phase; the returned function ends it with
// the phase's error. The lock phase also records the lock wait.
func (t *telemetry) phase(ctx context.Context, p Phase) (context.Context, func(error)) {
	if t == nil || (t.tracer == nil && (p != phaseLock || t.m == nil)) {
		return ctx, noEnd
	}
	start := time.Now()
	span := noSpan
	if t.tracer != nil {
		ctx, span = t.tracer.Start(ctx, spanPhasePrefix+string(p))
	}
	return ctx, func(err error) {
		if p == phaseLock {
			t.lockDone(ctx, span, time.Since(start), err)
		}
		if err != nil {
			span.SetStatus(codes.Error, t.mask(err.Error()))
		}
		span.End()
	}
}

// lockDone records how long the lock took and how the wait ended, and a
// lock that was not taken as the run's failing span's exception.
func (t *telemetry) lockDone(ctx context.Context, span trace.Span, waited time.Duration, err error) {
	outcome := "acquired"
	switch {
	case errors.Is(err, ErrLockTimeout):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	span.SetAttributes(attrLockOutcome.String(outcome), attrLockWait.Float64(waited.Seconds()))
	if err != nil {
		t.recordError(span, err)
	}
	if t.m != nil {
		t.m.lockWait.Record(context.WithoutCancel(ctx), waited.Seconds(),
			metric.WithAttributes(t.system, attrLockOutcome.String(outcome)))
	}
}

// startStep starts the span of one step's check and apply.
func (t *telemetry) startStep(ctx context.Context, id string) (context.Context, trace.Span) {
	if t == nil || t.tracer == nil {
		return ctx, noSpan
	}
	return t.tracer.Start(ctx, spanStepPrefix+id, trace.WithAttributes(attrStepID.String(id)))
}

// endStep ends a step's span with what its report says and, when it
// failed, its error as the span's exception and status.
func (t *telemetry) endStep(span trace.Span, sr *StepReport, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attrStepStatus.String(sr.Status), attrStepChanges.Int(len(sr.Changes)), attrStepDrift.Int(len(sr.Drift)))
	if sr.Status == StatusApplied || sr.RowsAffected > 0 {
		span.SetAttributes(attrStepRows.Int64(sr.RowsAffected))
	}
	if sr.Transactional != nil {
		span.SetAttributes(attrStepTransaction.Bool(*sr.Transactional))
	}
	if err != nil {
		t.recordError(span, err)
	}
	span.End()
}

// recordError records err on span as its exception and error status,
// masked: a database's message may quote a value (a duplicate key).
func (t *telemetry) recordError(span trace.Span, err error) {
	msg := t.mask(err.Error())
	recorded := err
	if msg != err.Error() {
		recorded = maskedError{msg: msg}
	}
	span.RecordError(recorded)
	span.SetStatus(codes.Error, msg)
	span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
}

// maskedError stands for an error whose message showed a secret.
type maskedError struct{ msg string }

func (e maskedError) Error() string { return e.msg }

// errorType is the error.type of a run's or a step's failure: a short,
// fixed set of values, fit for a metric's attribute.
func errorType(err error) string {
	var se *StepError
	var le *LockError
	switch {
	case errors.Is(err, ErrInterrupted):
		return "interrupted"
	case errors.Is(err, ErrLockTimeout):
		return "lock_timeout"
	case errors.Is(err, ErrStepTimeout):
		return "step_timeout"
	case errors.Is(err, ErrNotConverged):
		return "not_converged"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.As(err, &le):
		return "lock_failed"
	case errors.As(err, &se):
		return "step_failed"
	}
	return semconv.ErrorTypeOther.Value.AsString()
}

// statement starts the span of one database statement, when statement
// spans are on. The SQL is shown as plans show it: arguments inline,
// secrets as ***, then masked.
func (t *telemetry) statement(ctx context.Context, d Driver, query string, args []any) (context.Context, func(error)) {
	if t == nil || t.tracer == nil || !t.statements {
		return ctx, noEnd
	}
	text := t.mask(Display(d, Statement{SQL: query, Args: args}))
	op, _, _ := strings.Cut(text, " ")
	ctx, span := t.tracer.Start(ctx, strings.ToUpper(op), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(t.system, semconv.DBQueryText(text)))
	return ctx, func(err error) {
		if err != nil {
			t.recordError(span, err)
		}
		span.End()
	}
}

// verifyPhase starts the span of the shared verify phase. Its steps'
// spans are started by verifyStep and ended with it, when their
// statuses and errors are final.
func (t *telemetry) verifyPhase(ctx context.Context, rep *Report) (context.Context, func(error)) {
	if t == nil || t.tracer == nil {
		return ctx, noEnd
	}
	ctx, span := t.tracer.Start(ctx, spanPhasePrefix+string(PhaseVerify))
	vt := &verifySpans{t: t, rep: rep, parent: ctx}
	return context.WithValue(ctx, verifySpansKey{}, vt), func(err error) {
		vt.end(err)
		if err != nil {
			span.SetStatus(codes.Error, t.mask(err.Error()))
		}
		span.End()
	}
}

type verifySpansKey struct{}

// verifySpans are the open step spans of a verify phase.
type verifySpans struct {
	t      *telemetry
	rep    *Report
	parent context.Context
	open   []verifySpan
}

type verifySpan struct {
	span trace.Span
	step int       // index in rep.Steps
	end  time.Time // when the next step started; zero for the last
}

// verifyStep starts the verify span of the i-th step of rep and returns
// the context to verify it with. Outside a traced verify phase it
// returns ctx.
func verifyStep(ctx context.Context, i int) context.Context {
	vt, ok := ctx.Value(verifySpansKey{}).(*verifySpans)
	if !ok || i >= len(vt.rep.Steps) {
		return ctx
	}
	now := time.Now()
	if n := len(vt.open); n > 0 {
		vt.open[n-1].end = now
	}
	id := vt.rep.Steps[i].ID
	sctx, span := vt.t.tracer.Start(vt.parent, spanStepPrefix+id, trace.WithTimestamp(now), trace.WithAttributes(attrStepID.String(id)))
	vt.open = append(vt.open, verifySpan{span: span, step: i})
	return sctx
}

// end ends every step span of the phase with the step's final report
// and, for a step that failed, its *StepError out of err.
func (vt *verifySpans) end(err error) {
	failed := map[string]error{}
	for _, e := range flatten(err) {
		var se *StepError
		if errors.As(e, &se) {
			failed[se.Step] = e
		}
	}
	for _, o := range vt.open {
		sr := &vt.rep.Steps[o.step]
		// What the step changed is on its span under the run; here, what
		// the proof found.
		o.span.SetAttributes(attrStepStatus.String(sr.Status), attrStepDrift.Int(len(sr.Drift)))
		if e := failed[sr.ID]; e != nil {
			vt.t.recordError(o.span, e)
		}
		if o.end.IsZero() {
			o.span.End()
		} else {
			o.span.End(trace.WithTimestamp(o.end))
		}
	}
}

// flatten lists the errors errors.Join put together.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
