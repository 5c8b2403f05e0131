package cli

import (
	"errors"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/groundworkdb/groundwork/core"
)

// OpenTelemetry export of the CLI: off unless --otel (GROUNDWORK_OTEL)
// is set, then configured by the standard OTEL_* variables, read through
// the app's getenv. The OTLP exporters read the variables this file does
// not (OTEL_EXPORTER_OTLP_HEADERS, _CERTIFICATE, _COMPRESSION, …) from
// the process environment themselves, as the SDK documents.

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

	exp *otelExport // the providers, built on the first run (otel_otlp.go)
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
	if c.exp == nil {
		exp, err := c.build(a.log)
		if err != nil {
			a.log.Warn("telemetry: not exported", "err", err)
			a.otel = nil
			return nil
		}
		c.exp = exp
	}
	opts := []core.Option{core.WithTelemetryMask(a.mask.mask), core.WithStatementSpans(c.statements)}
	return append(opts, c.exp.options()...)
}

// stopTelemetry flushes what the run recorded and stops the exporters
// within otelFlushTimeout: a short-lived process must send before it
// exits, and must not wait long for a collector that is down.
func (a *app) stopTelemetry() {
	if c := a.otel; c != nil && c.exp != nil {
		c.exp.shutdown(a.log)
	}
}
