//go:build !nootlp

package cli

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/otlptest"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

// otelKey is the API key of the runs below: it must never reach the
// collector, in any spelling.
const otelKey = "sk-or-v1-otel/Qx+7=Zr?9&Wk%é:@5be1a9c2d4"

func otelEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme Dev", "OPENROUTER_API_KEY": otelKey,
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// otelSpellings are the forms a leaked key could take, as the secrets
// test of the binary looks for them.
func otelSpellings(s string) []string {
	out := []string{s, url.PathEscape(s), url.QueryEscape(s), base64.StdEncoding.EncodeToString([]byte(s)), hex.EncodeToString([]byte(s))}
	for i := 0; i+12 <= len(s); i++ {
		out = append(out, s[i:i+12])
	}
	return out
}

func noSecretIn(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range otelSpellings(otelKey) {
		if strings.Contains(text, s) {
			t.Fatalf("%s shows the API key (as %q)", what, s)
		}
	}
}

// The CLI with --otel and OTEL_EXPORTER_OTLP_ENDPOINT exports an apply's
// spans and metrics, flushed before Main returns, under the service and
// resource the standard variables give; at debug level with a span per
// statement; the API key nowhere.
func TestOTelApplyExports(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	db := tempDB(t)
	r := run(t, otelEnv(map[string]string{
		"GROUNDWORK_OTEL":             "true",
		"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL,
		"OTEL_RESOURCE_ATTRIBUTES":    "deployment.environment.name=test,k8s.pod.name=web%2D0",
	}), "apply", "--db", sqliteURL(db), "--include", "host:openwebui-tables", "--log-level", "debug")
	mustCode(t, r, ExitOK)
	noSecretIn(t, "the output", r.stdout+r.stderr)
	noSecretIn(t, "the export", rcv.Dump())

	spans := rcv.Spans()
	var root otlptest.Span
	statements := 0
	for _, s := range spans {
		if s.Name == "groundwork apply" {
			root = s
		}
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT {
			statements++
		}
	}
	if root.Name == "" || root.ParentID != "" {
		t.Fatalf("no root span groundwork apply:\n%s", otlptest.Tree(spans))
	}
	for k, want := range map[string]any{"service.name": "groundwork", "deployment.environment.name": "test",
		"k8s.pod.name": "web-0", "service.version": version().Version} {
		if root.Resource[k] != want {
			t.Fatalf("resource %s = %v, want %v (%v)", k, root.Resource[k], want, root.Resource)
		}
	}
	if root.Attrs["groundwork.run.status"] != "converged" || root.Attrs["db.system.name"] != "sqlite" {
		t.Fatalf("run span attributes %v", root.Attrs)
	}
	if statements == 0 {
		t.Fatal("--log-level debug: no statement spans")
	}
	m := rcv.Metrics()
	for _, name := range []string{core.MetricRunDuration, core.MetricSteps, core.MetricRunStatements, core.MetricRunQueries,
		core.MetricLockWait, core.MetricDrift} {
		if _, ok := m[name]; !ok {
			t.Fatalf("metric %s not received (got %d metrics)", name, len(m))
		}
	}

	// A second organization with the same key fails a step: the failure
	// is on the step's span, masked.
	rcv2 := otlptest.NewHTTP(t)
	r = run(t, otelEnv(map[string]string{
		"GROUNDWORK_OTEL": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": rcv2.URL, "OTEL_SERVICE_NAME": "gw-init",
		"OPENROUTER_EXTERNAL_USER": "other-org", "ORGANIZATION_NAME": "Other",
	}), "apply", "--db", sqliteURL(db), "--log-level", "debug")
	if r.code == ExitOK {
		t.Fatalf("a second organization with the same key: %s", r)
	}
	noSecretIn(t, "the failed run's export", rcv2.Dump())
	failed := false
	for _, s := range rcv2.Spans() {
		if s.Resource["service.name"] != "gw-init" {
			t.Fatalf("OTEL_SERVICE_NAME: service.name %v", s.Resource["service.name"])
		}
		if strings.HasPrefix(s.Name, "step ") && s.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR && len(s.Events) == 1 {
			failed = true
		}
	}
	if !failed {
		t.Fatalf("no failed step span:\n%s", otlptest.Tree(rcv2.Spans()))
	}
}

// Without --otel nothing is exported, whatever OTEL_* says; with it,
// OTEL_SDK_DISABLED=true still turns the SDK off.
func TestOTelOffByDefault(t *testing.T) {
	rcv := otlptest.NewHTTP(t)
	db := tempDB(t)
	// The host tables too: verify before Open WebUI made them exits 75.
	mustCode(t, run(t, otelEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL}), "apply", "--db", sqliteURL(db), "--include", "host:openwebui-tables"), ExitOK)
	mustCode(t, run(t, otelEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL, "OTEL_SDK_DISABLED": "TRUE"}),
		"verify", "--db", sqliteURL(db), "--otel"), ExitOK)
	mustCode(t, run(t, otelEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL, "GROUNDWORK_OTEL": "true"}),
		"steps"), ExitOK)
	if d := rcv.Dump(); d != "" {
		t.Fatalf("exported while off (or by a command that runs nothing):\n%s", d)
	}
}

// OTEL_EXPORTER_OTLP_PROTOCOL=grpc exports over OTLP/gRPC; a signal set
// to none is not exported.
func TestOTelGRPC(t *testing.T) {
	rcv := otlptest.NewGRPC(t)
	r := run(t, otelEnv(map[string]string{
		"GROUNDWORK_OTEL": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
		"OTEL_METRICS_EXPORTER": "none",
	}), "apply", "--db", sqliteURL(tempDB(t)))
	mustCode(t, r, ExitOK)
	found := false
	for _, s := range rcv.Spans() {
		found = found || s.Name == "groundwork apply"
	}
	if !found || len(rcv.Metrics()) != 0 {
		t.Fatalf("over gRPC: run span %t, %d metrics (want none)", found, len(rcv.Metrics()))
	}
}

// Bad OTEL_* values are bad input when --otel is on: exit 2, named.
func TestOTelInvalidSettings(t *testing.T) {
	for env, want := range map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "OTEL_EXPORTER_OTLP_PROTOCOL",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_RESOURCE_ATTRIBUTES":           "OTEL_RESOURCE_ATTRIBUTES",
		"OTEL_TRACES_EXPORTER":               "OTEL_TRACES_EXPORTER",
	} {
		bad := map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4317",
			"OTEL_RESOURCE_ATTRIBUTES": "novalue", "OTEL_TRACES_EXPORTER": "zipkin"}[env]
		db := tempDB(t)
		r := run(t, otelEnv(map[string]string{"GROUNDWORK_OTEL": "true", env: bad}), "apply", "--db", sqliteURL(db))
		mustCode(t, r, ExitInvalid)
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("%s=%s: the error does not name it:\n%s", env, bad, r)
		}
		// Off, the same variable is not read at all.
		mustCode(t, run(t, otelEnv(map[string]string{env: bad}), "apply", "--db", sqliteURL(db)), ExitOK)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// hangingCollector accepts connections and never answers, until the test
// ends.
func hangingCollector(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().String()
}

// A collector that is down (a closed port) or hangs (accepts, never
// answers) fails nothing: the run converges, a warning says why nothing
// was exported, and the process exits within the bounded flush — far
// sooner than the exporters' default timeout and minute of retries.
func TestOTelCollectorDown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	// The bound the process is held to: the flush bound and what a loaded
	// machine adds to starting the binary and applying; the exporters'
	// defaults (10 s a request, retried for a minute) would exceed it.
	limit := otelFlushTimeout + 20*time.Second
	testbin.Path(t) // built before any run is timed
	for _, tc := range []struct{ name, addr, protocol string }{
		{"closed port", closedPort(t), "http/protobuf"},
		{"hanging", hangingCollector(t), "http/protobuf"},
		{"closed port grpc", closedPort(t), "grpc"},
		{"hanging grpc", hangingCollector(t), "grpc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := testbin.Env(dir, "GROUNDWORK_OTEL=true", "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+tc.addr,
				"OTEL_EXPORTER_OTLP_PROTOCOL="+tc.protocol, "OPENROUTER_API_KEY="+otelKey,
				"OPENROUTER_EXTERNAL_USER=acme-dev", "ORGANIZATION_NAME=Acme Dev")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			res := testbin.Run(ctx, t, dir, env, "apply", "--db", "sqlite://gw.db", "--include", "host:openwebui-tables")
			took := time.Since(start)
			if res.Code != ExitOK {
				t.Fatalf("a collector that is down failed the run:\n%s", res)
			}
			if !strings.Contains(res.Stderr, "telemetry:") {
				t.Fatalf("no warning that nothing was exported:\n%s", res)
			}
			noSecretIn(t, "the output", res.Stdout+res.Stderr)
			if took > limit {
				t.Fatalf("the process took %s to exit, more than the bounded flush allows (%s)", took, limit)
			}
			t.Logf("%s: exit after %s (flush bound %s)", tc.name, took.Round(10*time.Millisecond), otelFlushTimeout)
		})
	}
}

// The endpoint rules of the specification: the shared endpoint is a base
// URL to which OTLP/HTTP adds the signal's path; a signal's own endpoint
// is taken as it is; gRPC takes either as it is.
func TestOTelEndpoints(t *testing.T) {
	for _, tc := range []struct {
		env                     map[string]string
		wantTraces, wantMetrics string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, "http://otel:4318/v1/traces", "http://otel:4318/v1/metrics"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel/base/"}, "https://otel/base/v1/traces", "https://otel/base/v1/metrics"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/custom"},
			"http://tempo:4318/custom", "http://otel:4318/v1/metrics"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "http://otel:4317", "http://otel:4317"},
		{map[string]string{}, "", ""},
	} {
		cfg, err := readOTelConfig(func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if cfg.traces.endpoint != tc.wantTraces || cfg.metrics.endpoint != tc.wantMetrics {
			t.Fatalf("%v: traces %q metrics %q, want %q %q", tc.env, cfg.traces.endpoint, cfg.metrics.endpoint, tc.wantTraces, tc.wantMetrics)
		}
	}
	if _, err := readOTelConfig(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://u:" + strconv.Quote("pw") + "@"}[k]
	}); err == nil {
		t.Fatal("an endpoint without a host was accepted")
	}
}
