//go:build nootlp

package cli

import (
	"context"
	"errors"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// A build without the OTLP exporters (go build -tags nootlp): a smaller
// binary that starts faster, because gRPC, protobuf and the OTLP messages
// are not linked and their package init does not run. --otel still reads
// and checks its settings, then warns that nothing is exported: telemetry
// never stops a run.

// otlpBuiltIn says whether this binary can export over OTLP.
const otlpBuiltIn = false

// errNoOTLP is why a nootlp build exports nothing.
var errNoOTLP = errors.New("cli: this groundwork was built without the OTLP exporters (build tag nootlp)")

func spanExporter(context.Context, *signalConfig) (sdktrace.SpanExporter, error) {
	return nil, errNoOTLP
}

func metricExporter(context.Context, *signalConfig) (sdkmetric.Exporter, error) {
	return nil, errNoOTLP
}
