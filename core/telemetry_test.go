package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/internal/otlptest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// benchKey is the API key of packRegistry's organization.
const benchKey = "sk-or-v1-bench-secret-key-0123456789"

// otlpProviders are SDK providers exporting over OTLP/HTTP to rcv, as
// an integrator sets them up; flush exports everything and stops them.
func otlpProviders(t *testing.T, rcv *otlptest.Receiver) (tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider, flush func()) {
	t.Helper()
	ctx := context.Background()
	texp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(rcv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	mexp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(rcv.URL+"/v1/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(texp))
	mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp)))
	done := false
	flush = func() {
		if done {
			return
		}
		done = true
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := errors.Join(tp.Shutdown(sctx), mp.Shutdown(sctx)); err != nil {
			t.Fatalf("flush: %v", err)
		}
	}
	t.Cleanup(flush)
	return tp, mp, flush
}

// spanIndex finds spans by name and id.
type spanIndex struct {
	t     *testing.T
	spans []otlptest.Span
	byID  map[string]otlptest.Span
}

func index(t *testing.T, spans []otlptest.Span) spanIndex {
	ix := spanIndex{t: t, spans: spans, byID: map[string]otlptest.Span{}}
	for _, s := range spans {
		ix.byID[s.SpanID] = s
	}
	return ix
}

func (ix spanIndex) named(name string) []otlptest.Span {
	var out []otlptest.Span
	for _, s := range ix.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func (ix spanIndex) one(name string) otlptest.Span {
	ix.t.Helper()
	got := ix.named(name)
	if len(got) != 1 {
		ix.t.Fatalf("%d spans named %q, want 1:\n%s", len(got), name, otlptest.Tree(ix.spans))
	}
	return got[0]
}

func (ix spanIndex) children(parent otlptest.Span, name string) []otlptest.Span {
	var out []otlptest.Span
	for _, s := range ix.spans {
		if s.ParentID == parent.SpanID && (name == "" || s.Name == name) {
			out = append(out, s)
		}
	}
	return out
}

func (ix spanIndex) parent(s otlptest.Span) otlptest.Span { return ix.byID[s.ParentID] }

func wantAttr(t *testing.T, s otlptest.Span, key string, want any) {
	t.Helper()
	if got := s.Attrs[key]; got != want {
		t.Fatalf("span %q: %s = %v (%T), want %v (%T); attributes %v", s.Name, key, got, got, want, want, s.Attrs)
	}
}

// A cold apply of both packs on SQLite, through the library options, to
// an OTLP/HTTP receiver: one run span, the lock and verify phases and a
// span per step under it, check and apply under each step, inspections
// under the phase that needed them; the metrics; no secret anywhere.
func TestTelemetryApplySQLite(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	tp, mp, flush := otlpProviders(t, rcv)
	reg, sel := packRegistry(t)
	rep, err := core.NewRunner(sqlitetest.Open(t), reg, core.WithSelection(sel),
		core.WithTracerProvider(tp), core.WithMeterProvider(mp)).Apply(context.Background())
	if err != nil || rep.Status != core.RunConverged || !rep.Changed {
		t.Fatalf("apply: %v, status %s changed %t", err, rep.Status, rep.Changed)
	}
	flush()

	ix := index(t, rcv.Spans())
	run := ix.one("groundwork apply")
	if run.ParentID != "" || run.Scope != core.InstrumentationName {
		t.Fatalf("run span: parent %q, scope %q", run.ParentID, run.Scope)
	}
	wantAttr(t, run, "groundwork.run.mode", "apply")
	wantAttr(t, run, "db.system.name", "sqlite")
	wantAttr(t, run, "groundwork.run.status", "converged")
	wantAttr(t, run, "groundwork.run.changed", true)
	wantAttr(t, run, "groundwork.run.queries", rep.Queries)
	wantAttr(t, run, "groundwork.run.statements", int64(rep.Statements))
	wantAttr(t, run, "groundwork.run.steps", int64(len(rep.Steps)))
	if _, ok := run.Attrs["groundwork.lock.wait.duration"].(float64); !ok {
		t.Fatalf("run span: no lock wait: %v", run.Attrs)
	}
	for _, s := range ix.spans {
		if s.TraceID != run.TraceID {
			t.Fatalf("span %q is in another trace", s.Name)
		}
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT {
			t.Fatalf("statement span %q without WithStatementSpans", s.Name)
		}
	}

	lock := ix.one("groundwork.lock")
	if ix.parent(lock).SpanID != run.SpanID {
		t.Fatal("the lock span is not the run's child")
	}
	wantAttr(t, lock, "groundwork.lock.outcome", "acquired")

	verify := ix.one("groundwork.verify")
	if ix.parent(verify).SpanID != run.SpanID {
		t.Fatal("the verify span is not the run's child")
	}
	applied := 0
	for _, sr := range rep.Steps {
		var step otlptest.Span
		for _, s := range ix.children(run, "step "+sr.ID) {
			step = s
		}
		if sr.Status == core.StatusSkipped && step.Name == "" {
			continue // skipped before it was checked (its dependency was)
		}
		if step.Name == "" {
			t.Fatalf("no span for step %s under the run:\n%s", sr.ID, otlptest.Tree(ix.spans))
		}
		wantAttr(t, step, "groundwork.step.id", sr.ID)
		wantAttr(t, step, "groundwork.step.status", sr.Status)
		if len(ix.children(step, "groundwork.check")) != 1 {
			t.Fatalf("step %s: want one check span:\n%s", sr.ID, otlptest.Tree(ix.spans))
		}
		if sr.Status == core.StatusApplied {
			applied++
			wantAttr(t, step, "groundwork.step.rows_affected", sr.RowsAffected)
			wantAttr(t, step, "groundwork.step.transactional", true)
			if len(ix.children(step, "groundwork.apply")) != 1 {
				t.Fatalf("applied step %s: want one apply span", sr.ID)
			}
		}
		if sr.Status == core.StatusSkipped {
			continue
		}
		vs := ix.children(verify, "step "+sr.ID)
		if len(vs) != 1 {
			t.Fatalf("step %s: %d spans under verify, want 1:\n%s", sr.ID, len(vs), otlptest.Tree(ix.spans))
		}
		wantAttr(t, vs[0], "groundwork.step.status", sr.Status)
	}
	if applied == 0 {
		t.Fatal("a cold apply applied nothing")
	}
	inspects := ix.named("groundwork.inspect")
	if len(inspects) != 3 {
		t.Fatalf("%d inspect spans, want 3 (the check without the lock, plan under it, verify):\n%s", len(inspects), otlptest.Tree(ix.spans))
	}
	for _, s := range inspects {
		if p := ix.parent(s).Name; p != "groundwork.check" && !strings.HasPrefix(p, "step ") {
			t.Fatalf("inspect span under %q", p)
		}
	}

	m := rcv.Metrics()
	wantMetric := func(name, unit, kind string) otlptest.Metric {
		t.Helper()
		got, ok := m[name]
		if !ok || got.Unit != unit || got.Kind != kind {
			t.Fatalf("metric %s: %+v, want unit %s, a %s (received %d metrics)", name, got, unit, kind, len(m))
		}
		return got
	}
	dur := wantMetric(core.MetricRunDuration, "s", "histogram")
	if len(dur.Points) != 1 || dur.Points[0].Count != 1 || dur.Points[0].Attrs["groundwork.run.status"] != "converged" ||
		dur.Points[0].Attrs["groundwork.run.mode"] != "apply" || dur.Points[0].Attrs["db.system.name"] != "sqlite" {
		t.Fatalf("%s: %+v", core.MetricRunDuration, dur.Points)
	}
	steps := wantMetric(core.MetricSteps, "{step}", "sum")
	total := 0.0
	for _, p := range steps.Points {
		total += p.Value
		if len(p.Attrs) != 3 {
			t.Fatalf("%s: attributes %v, want mode, db.system.name and status only", core.MetricSteps, p.Attrs)
		}
	}
	if int(total) != len(rep.Steps) {
		t.Fatalf("%s: %v steps, want %d", core.MetricSteps, total, len(rep.Steps))
	}
	if st := wantMetric(core.MetricRunStatements, "{statement}", "histogram"); st.Points[0].Value != float64(rep.Statements) {
		t.Fatalf("%s: %+v, want %d", core.MetricRunStatements, st.Points, rep.Statements)
	}
	if q := wantMetric(core.MetricRunQueries, "{query}", "histogram"); q.Points[0].Value != float64(rep.Queries) {
		t.Fatalf("%s: %+v, want %d", core.MetricRunQueries, q.Points, rep.Queries)
	}
	if lw := wantMetric(core.MetricLockWait, "s", "histogram"); lw.Points[0].Count != 1 || lw.Points[0].Attrs["groundwork.lock.outcome"] != "acquired" {
		t.Fatalf("%s: %+v", core.MetricLockWait, lw.Points)
	}
	if d := wantMetric(core.MetricDrift, "{drift}", "sum"); d.Points[0].Value != 0 {
		t.Fatalf("%s: %+v, want 0", core.MetricDrift, d.Points)
	}
	if strings.Contains(rcv.Dump(), benchKey) {
		t.Fatal("the API key was exported")
	}
	t.Logf("span tree:\n%s", otlptest.Tree(ix.spans))
}

// With statement spans (the debug level), every statement the steps run
// is a client span with the SQL as plans show it: the API key as ***.
func TestTelemetryStatementSpans(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	tp, _, flush := otlpProviders(t, rcv)
	reg, sel := packRegistry(t)
	if _, err := core.NewRunner(sqlitetest.Open(t), reg, core.WithSelection(sel),
		core.WithTracerProvider(tp), core.WithStatementSpans(true)).Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	flush()
	ix := index(t, rcv.Spans())
	masked := false
	n := 0
	for _, s := range ix.spans {
		if s.Kind != tracepb.Span_SPAN_KIND_CLIENT {
			continue
		}
		n++
		text, _ := s.Attrs["db.query.text"].(string)
		wantAttr(t, s, "db.system.name", "sqlite")
		if text == "" || !strings.HasPrefix(strings.ToUpper(text), s.Name) {
			t.Fatalf("statement span %q: db.query.text %q", s.Name, text)
		}
		if strings.Contains(text, orgaccess.OrgTable) && strings.Contains(text, "***") {
			masked = true
		}
		if p := ix.parent(s).Name; p != "groundwork.check" && p != "groundwork.apply" && !strings.HasPrefix(p, "step ") {
			t.Fatalf("statement span under %q", p)
		}
	}
	if n == 0 || !masked {
		t.Fatalf("%d statement spans, the organization's key masked: %t:\n%s", n, masked, otlptest.Tree(ix.spans))
	}
	if strings.Contains(rcv.Dump(), benchKey) {
		t.Fatal("the API key was exported")
	}
}

// failingStep fails its check with a message quoting a secret, or (with
// verify) passes its check and fails the verify phase.
type failingStep struct {
	id     string
	verify bool
	secret string
}

func (s failingStep) Info() core.StepInfo { return core.StepInfo{ID: s.id, Description: "fails"} }

func (s failingStep) Check(context.Context, *core.Session) (*core.Plan, error) {
	if s.verify {
		return &core.Plan{}, nil
	}
	return nil, fmt.Errorf("the database refused %s", s.secret)
}

func (s failingStep) Verify(context.Context, *core.Session) ([]core.Drift, error) {
	return nil, fmt.Errorf("the proof read %s", s.secret)
}

// A failed step has the error on its own span (status Error and an
// exception event), masked; the run says it failed and how.
func TestTelemetryStepFailure(t *testing.T) {
	const secret = "sk-or-v1-failing-secret-987654321"
	mask := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	for _, tc := range []struct {
		name   string
		verify bool
		phase  string
	}{{"check", false, "check"}, {"verify", true, "verify"}} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := otlptest.NewHTTP(t)
			tp, mp, flush := otlpProviders(t, rcv)
			reg, err := core.NewRegistry(failingStep{id: "test:fails", verify: tc.verify, secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := core.NewRunner(sqlitetest.Open(t), reg, core.WithTracerProvider(tp), core.WithMeterProvider(mp),
				core.WithTelemetryMask(mask)).Apply(context.Background())
			var se *core.StepError
			if !errors.As(err, &se) || rep.Status != core.RunFailed {
				t.Fatalf("apply: %v, status %s", err, rep.Status)
			}
			flush()
			ix := index(t, rcv.Spans())
			run := ix.one("groundwork apply")
			if run.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || run.Attrs["error.type"] != "step_failed" {
				t.Fatalf("run span: status %v, attributes %v", run.Status, run.Attrs)
			}
			parent := run
			if tc.verify {
				parent = ix.one("groundwork.verify")
			}
			steps := ix.children(parent, "step test:fails")
			if len(steps) != 1 {
				t.Fatalf("no failed step span under %s:\n%s", parent.Name, otlptest.Tree(ix.spans))
			}
			step := steps[0]
			wantAttr(t, step, "groundwork.step.status", core.StatusFailed)
			wantAttr(t, step, "error.type", "step_failed")
			if step.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || !strings.Contains(step.Status.GetMessage(), "***") {
				t.Fatalf("step span status %v", step.Status)
			}
			if len(step.Events) != 1 || step.Events[0].Name != "exception" ||
				!strings.Contains(fmt.Sprint(step.Events[0].Attrs["exception.message"]), tc.phase+": the ") {
				t.Fatalf("step span events %+v", step.Events)
			}
			d := rcv.Metrics()[core.MetricRunDuration]
			if len(d.Points) != 1 || d.Points[0].Attrs["groundwork.run.status"] != "failed" || d.Points[0].Attrs["error.type"] != "step_failed" {
				t.Fatalf("%s: %+v", core.MetricRunDuration, d.Points)
			}
			if strings.Contains(rcv.Dump(), secret) {
				t.Fatalf("the secret was exported:\n%s", otlptest.Tree(ix.spans))
			}
		})
	}
}

// The runner reads the global providers only when told to.
func TestTelemetryGlobalOnlyWhenAsked(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	tp, _, flush := otlpProviders(t, rcv)
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	reg, sel := packRegistry(t)
	d := sqlitetest.Open(t)
	if _, err := core.NewRunner(d, reg, core.WithSelection(sel)).Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewRunner(d, reg, core.WithSelection(sel), core.WithGlobalTelemetry()).Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	flush()
	ix := index(t, rcv.Spans())
	if len(ix.named("groundwork verify")) != 0 {
		t.Fatal("a runner without telemetry options used the global provider")
	}
	ix.one("groundwork plan")
}

func warmCases() []warmCase {
	return []warmCase{
		{name: "off", opts: func(testing.TB) []core.Option { return nil }},
		{name: "noop-providers", opts: func(testing.TB) []core.Option {
			return []core.Option{core.WithTracerProvider(noop.NewTracerProvider())}
		}},
		{name: "sdk-unexported", opts: func(tb testing.TB) []core.Option {
			tp := sdktrace.NewTracerProvider()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			tb.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
			return []core.Option{core.WithTracerProvider(tp), core.WithMeterProvider(mp)}
		}},
	}
}

type warmCase struct {
	name string
	opts func(testing.TB) []core.Option
}

// The run span is a child of the span in the caller's context, so a
// service's startup trace holds the run.
func TestTelemetryRunUnderCallersSpan(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	tp, _, flush := otlpProviders(t, rcv)
	reg, sel := packRegistry(t)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "service start")
	if _, err := core.NewRunner(sqlitetest.Open(t), reg, core.WithSelection(sel), core.WithTracerProvider(tp)).Plan(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	flush()
	ix := index(t, rcv.Spans())
	if run := ix.one("groundwork plan"); run.ParentID != parent.SpanContext().SpanID().String() {
		t.Fatalf("the run span's parent is %q, want the caller's span", run.ParentID)
	}
}
