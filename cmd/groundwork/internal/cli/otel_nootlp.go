//go:build nootlp

package cli

import (
	"errors"
	"log/slog"

	"github.com/groundworkdb/groundwork/core"
)

// A build without the OTel SDK and the OTLP exporters (go build -tags
// nootlp): a smaller binary that starts faster, because gRPC, protobuf,
// the OTLP messages and the SDK are not linked and their package init
// does not run. --otel still reads and checks its settings, then warns
// that nothing is exported (setupTelemetry): telemetry never stops a run.

// otlpBuiltIn says whether this binary can export over OTLP.
const otlpBuiltIn = false

// otelExport has nothing to export in this build.
type otelExport struct{}

func (c *otelConfig) build(*slog.Logger) (*otelExport, error) {
	return nil, errors.New("cli: this groundwork was built without the OTLP exporters (build tag nootlp)")
}

func (*otelExport) options() []core.Option { return nil }

func (*otelExport) shutdown(*slog.Logger) {}
