package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/groundworkdb/groundwork/core"
)

// OpenTelemetry export of the CLI: off unless --otel (GROUNDWORK_OTEL)
// is set, then configured by the standard OTEL_* variables, read through
// the app's getenv. The OTLP exporters read the variables this file does
// not (OTEL_EXPORTER_OTLP_HEADERS, _CERTIFICATE, _COMPRESSION, …) from
// the process environment themselves, as the SDK documents.

// otelFlushTimeout bounds what exporting costs a run: one export attempt
// with its retries, and the flush before the process exits. A collector
// that is down or hangs delays the exit by at most about this long.
const otelFlushTimeout = 3 * time.Second

// defaultServiceName is service.name unless OTEL_SERVICE_NAME or
// OTEL_RESOURCE_ATTRIBUTES says otherwise.
const defaultServiceName = "groundwork"

// Protocols of OTEL_EXPORTER_OTLP_PROTOCOL the Go exporters speak.
const (
	protoHTTP = "http/protobuf"
	protoGRPC = "grpc"
)

// otelConfig is the validated export configuration; the providers are
// built on the first run, so commands that run nothing export nothing.
type otelConfig struct {
	traces, metrics *signalConfig // nil: that signal is off (OTEL_*_EXPORTER=none)
	resource        []attribute.KeyValue
	statements      bool // --log-level debug: a span per statement

	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

// signalConfig is where one signal goes.
type signalConfig struct {
	protocol string
	endpoint string // a full URL; "" for the exporter's default
}

// setupTelemetry reads the OTEL_* settings when --otel is on. Invalid
// ones are bad input: exit 2 before anything is written.
func (a *app) setupTelemetry() error {
	if !a.st.OTel {
		return nil
	}
	if strings.EqualFold(strings.TrimSpace(a.getenv("OTEL_SDK_DISABLED")), "true") {
		a.log.Debug("telemetry: --otel is on but OTEL_SDK_DISABLED=true: nothing is exported")
		return nil
	}
	cfg, err := readOTelConfig(a.getenv)
	if err != nil {
		return &exitError{code: ExitInvalid, err: err}
	}
	if !otlpBuiltIn {
		a.log.Warn("telemetry: --otel is on but this groundwork was built without the OTLP exporters (build tag nootlp): nothing is exported")
		return nil
	}
	cfg.statements = a.st.LogLevel == "debug"
	a.otel = cfg
	return nil
}

func readOTelConfig(getenv func(string) string) (*otelConfig, error) {
	cfg := &otelConfig{}
	var errs []error
	for _, sig := range []struct {
		name, path string
		dst        **signalConfig
	}{{"TRACES", "/v1/traces", &cfg.traces}, {"METRICS", "/v1/metrics", &cfg.metrics}} {
		sc, err := readSignal(getenv, sig.name, sig.path)
		if err != nil {
			errs = append(errs, err)
		}
		*sig.dst = sc
	}
	res, err := readResource(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.resource = res
	return cfg, errors.Join(errs...)
}

// readSignal reads one signal's exporter, protocol and endpoint: the
// signal's own variable first, then the shared one.
func readSignal(getenv func(string) string, signal, path string) (*signalConfig, error) {
	env := func(name string) (string, string) {
		specific := "OTEL_EXPORTER_OTLP_" + signal + "_" + name
		if v := strings.TrimSpace(getenv(specific)); v != "" {
			return v, specific
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name)), "OTEL_EXPORTER_OTLP_" + name
	}
	exporterVar := "OTEL_" + signal + "_EXPORTER"
	switch exp := strings.ToLower(strings.TrimSpace(getenv(exporterVar))); exp {
	case "none":
		return nil, nil
	case "", "otlp":
	default:
		return nil, invalidf("%s: %q is not supported; use otlp or none", exporterVar, exp)
	}
	sc := &signalConfig{protocol: protoHTTP}
	if p, from := env("PROTOCOL"); p != "" {
		switch strings.ToLower(p) {
		case protoHTTP, protoGRPC:
			sc.protocol = strings.ToLower(p)
		default:
			return nil, invalidf("%s: %q is not one of %s, %s", from, p, protoHTTP, protoGRPC)
		}
	}
	ep, from := env("ENDPOINT")
	if ep == "" {
		return sc, nil
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidf("%s: %q is not an http:// or https:// URL", from, redactURL(ep))
	}
	// The shared endpoint is the collector's base URL: OTLP/HTTP adds the
	// signal's path, as the specification says; gRPC takes it as it is.
	if sc.protocol == protoHTTP && !strings.HasPrefix(from, "OTEL_EXPORTER_OTLP_"+signal) {
		u.Path = strings.TrimSuffix(u.Path, "/") + path
	}
	sc.endpoint = u.String()
	return sc, nil
}

// redactURL shows a URL without its password, for an error message.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

// readResource is OTEL_RESOURCE_ATTRIBUTES (key=value pairs, values
// percent-encoded) with service.name from OTEL_SERVICE_NAME, else from
// the attributes, else groundwork.
func readResource(getenv func(string) string) ([]attribute.KeyValue, error) {
	var attrs []attribute.KeyValue
	var errs []error
	name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	hasVersion := false
	if raw := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); raw != "" {
		for _, pair := range strings.Split(raw, ",") {
			k, v, ok := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				errs = append(errs, invalidf("OTEL_RESOURCE_ATTRIBUTES: %q is not key=value", pair))
				continue
			}
			val, err := url.PathUnescape(strings.TrimSpace(v))
			if err != nil {
				errs = append(errs, invalidf("OTEL_RESOURCE_ATTRIBUTES: the value of %s is not percent-encoded", k))
				continue
			}
			switch k {
			case string(semconv.ServiceNameKey):
				if name == "" {
					name = val
				}
				continue
			case string(semconv.ServiceVersionKey):
				hasVersion = true
			}
			attrs = append(attrs, attribute.String(k, val))
		}
	}
	if name == "" {
		name = defaultServiceName
	}
	attrs = append(attrs, semconv.ServiceName(name))
	if !hasVersion {
		attrs = append(attrs, semconv.ServiceVersion(version().Version))
	}
	return attrs, errors.Join(errs...)
}

// telemetryOptions are the runner options of --otel, building the
// providers on the first call. An exporter that cannot be built is
// logged and the run goes on without it: the host comes first.
func (a *app) telemetryOptions() []core.Option {
	c := a.otel
	if c == nil {
		return nil
	}
	if c.tp == nil && c.mp == nil {
		if err := c.build(a.log); err != nil {
			a.log.Warn("telemetry: not exported", "err", err)
			a.otel = nil
			return nil
		}
	}
	opts := []core.Option{core.WithTelemetryMask(a.mask.mask), core.WithStatementSpans(c.statements)}
	if c.tp != nil {
		opts = append(opts, core.WithTracerProvider(c.tp))
	}
	if c.mp != nil {
		opts = append(opts, core.WithMeterProvider(c.mp))
	}
	return opts
}

func (c *otelConfig) build(log *slog.Logger) error {
	ctx := context.Background()
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(c.resource...))
	if err != nil {
		return fmt.Errorf("cli: telemetry resource: %w", err)
	}
	if c.traces != nil {
		exp, err := spanExporter(ctx, c.traces)
		if err != nil {
			return fmt.Errorf("cli: trace exporter: %w", err)
		}
		c.tp = sdktrace.NewTracerProvider(sdktrace.WithResource(res),
			sdktrace.WithBatcher(&loggedSpanExporter{SpanExporter: exp, log: log}, sdktrace.WithExportTimeout(otelFlushTimeout)))
	}
	if c.metrics != nil {
		exp, err := metricExporter(ctx, c.metrics)
		if err != nil {
			return fmt.Errorf("cli: metric exporter: %w", err)
		}
		// The periodic export rarely comes in a short run: the flush at
		// exit sends the run's metrics.
		c.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(
			sdkmetric.NewPeriodicReader(&loggedMetricExporter{Exporter: exp, log: log}, sdkmetric.WithTimeout(otelFlushTimeout))))
	}
	return nil
}

// stopTelemetry flushes what the run recorded and stops the exporters,
// both signals at once, within otelFlushTimeout: a short-lived process
// must send before it exits, and must not wait long for a collector
// that is down.
func (a *app) stopTelemetry() {
	c := a.otel
	if c == nil || (c.tp == nil && c.mp == nil) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), otelFlushTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	if c.tp != nil {
		wg.Go(func() { errs[0] = c.tp.Shutdown(ctx) })
	}
	if c.mp != nil {
		wg.Go(func() { errs[1] = c.mp.Shutdown(ctx) })
	}
	wg.Wait()
	if errs[0] != nil && errs[1] != nil && errs[0].Error() == errs[1].Error() {
		errs = errs[:1] // both signals ran out of time: say it once
	}
	if err := errors.Join(errs...); err != nil {
		a.log.Warn("telemetry: not all of it was exported before exit", "bound", otelFlushTimeout, "err", err)
	}
}

// loggedSpanExporter logs a failed export through the CLI's (masking)
// logger, once, instead of the SDK's global error handler, and lets the
// run go on.
type loggedSpanExporter struct {
	sdktrace.SpanExporter
	log    *slog.Logger
	warned atomic.Bool
}

func (e *loggedSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := e.SpanExporter.ExportSpans(ctx, spans); err != nil && !e.warned.Swap(true) {
		e.log.Warn("telemetry: spans not exported; is the collector up?", "err", err)
	}
	return nil
}

// loggedMetricExporter is loggedSpanExporter for metrics.
type loggedMetricExporter struct {
	sdkmetric.Exporter
	log    *slog.Logger
	warned atomic.Bool
}

func (e *loggedMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if err := e.Exporter.Export(ctx, rm); err != nil && !e.warned.Swap(true) {
		e.log.Warn("telemetry: metrics not exported; is the collector up?", "err", err)
	}
	return nil
}
