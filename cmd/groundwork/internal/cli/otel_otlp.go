//go:build !nootlp

package cli

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The OTLP exporters, over HTTP and gRPC: the default build. They link
// gRPC, protobuf and the OTLP messages (about 10 MB of the binary and 76
// packages whose init runs in every process, --otel or not); the build
// tag nootlp leaves them out (otel_nootlp.go).

// otlpBuiltIn says whether this binary can export over OTLP.
const otlpBuiltIn = true

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
