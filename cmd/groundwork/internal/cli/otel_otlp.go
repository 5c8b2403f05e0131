//go:build !nootlp

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/groundworkdb/groundwork/core"
)

// The OTel SDK and the OTLP exporters, over HTTP and gRPC: the default
// build. They link gRPC, protobuf and the OTLP messages (about 10 MB of
// the binary, and packages whose init runs in every process, --otel or
// not; even the HTTP exporters link gRPC, through the OTLP collector
// messages); the build tag nootlp leaves them out (otel_nootlp.go).

// otlpBuiltIn says whether this binary can export over OTLP.
const otlpBuiltIn = true

// otelFlushTimeout bounds what exporting costs a run: one export attempt
// with its retries, and the flush before the process exits. A collector
// that is down or hangs delays the exit by at most about this long.
const otelFlushTimeout = 3 * time.Second

// otelExport is the providers of one process; nil when a signal is off.
type otelExport struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

func (e *otelExport) options() []core.Option {
	var opts []core.Option
	if e.tp != nil {
		opts = append(opts, core.WithTracerProvider(e.tp))
	}
	if e.mp != nil {
		opts = append(opts, core.WithMeterProvider(e.mp))
	}
	return opts
}

// shutdown flushes both signals at once, within otelFlushTimeout.
func (e *otelExport) shutdown(log *slog.Logger) {
	if e.tp == nil && e.mp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), otelFlushTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	if e.tp != nil {
		wg.Go(func() { errs[0] = e.tp.Shutdown(ctx) })
	}
	if e.mp != nil {
		wg.Go(func() { errs[1] = e.mp.Shutdown(ctx) })
	}
	wg.Wait()
	if errs[0] != nil && errs[1] != nil && errs[0].Error() == errs[1].Error() {
		errs = errs[:1] // both signals ran out of time: say it once
	}
	if err := errors.Join(errs...); err != nil {
		log.Warn("telemetry: not all of it was exported before exit", "bound", otelFlushTimeout, "err", err)
	}
}

func (c *otelConfig) build(log *slog.Logger) (*otelExport, error) {
	ctx := context.Background()
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(c.resource...))
	if err != nil {
		return nil, fmt.Errorf("cli: telemetry resource: %w", err)
	}
	e := &otelExport{}
	if c.traces != nil {
		exp, err := spanExporter(ctx, c.traces)
		if err != nil {
			return nil, fmt.Errorf("cli: trace exporter: %w", err)
		}
		e.tp = sdktrace.NewTracerProvider(sdktrace.WithResource(res),
			sdktrace.WithBatcher(&loggedSpanExporter{SpanExporter: exp, log: log}, sdktrace.WithExportTimeout(otelFlushTimeout)))
	}
	if c.metrics != nil {
		exp, err := metricExporter(ctx, c.metrics)
		if err != nil {
			return nil, fmt.Errorf("cli: metric exporter: %w", err)
		}
		// The periodic export rarely comes in a short run: the flush at
		// exit sends the run's metrics.
		e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(
			sdkmetric.NewPeriodicReader(&loggedMetricExporter{Exporter: exp, log: log}, sdkmetric.WithTimeout(otelFlushTimeout))))
	}
	return e, nil
}

// Retries stay within the flush bound: a collector that is down costs
// one bound, not the exporters' default minute.
func spanExporter(ctx context.Context, sc *signalConfig) (sdktrace.SpanExporter, error) {
	if sc.protocol == protoGRPC {
		opts := []otlptracegrpc.Option{otlptracegrpc.WithTimeout(otelFlushTimeout),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond,
				MaxInterval: time.Second, MaxElapsedTime: otelFlushTimeout})}
		if sc.endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(sc.endpoint))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithTimeout(otelFlushTimeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond,
			MaxInterval: time.Second, MaxElapsedTime: otelFlushTimeout})}
	if sc.endpoint != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(sc.endpoint))
	}
	return otlptracehttp.New(ctx, opts...)
}

func metricExporter(ctx context.Context, sc *signalConfig) (sdkmetric.Exporter, error) {
	if sc.protocol == protoGRPC {
		opts := []otlpmetricgrpc.Option{otlpmetricgrpc.WithTimeout(otelFlushTimeout),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond,
				MaxInterval: time.Second, MaxElapsedTime: otelFlushTimeout})}
		if sc.endpoint != "" {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(sc.endpoint))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	}
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithTimeout(otelFlushTimeout),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond,
			MaxInterval: time.Second, MaxElapsedTime: otelFlushTimeout})}
	if sc.endpoint != "" {
		opts = append(opts, otlpmetrichttp.WithEndpointURL(sc.endpoint))
	}
	return otlpmetrichttp.New(ctx, opts...)
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
