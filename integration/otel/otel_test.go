//go:build integration

// Package otel_test proves the OpenTelemetry export on PostgreSQL 15 in a
// container: the spans and metrics of real runs, through the library's
// options and through the groundwork binary with the standard OTEL_*
// variables, received by an in-process OTLP/HTTP collector; names,
// attributes and parentage asserted, and neither the database password
// nor the API key anywhere in what was exported.
package otel_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the admin statements
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/otlptest"
	"github.com/groundworkdb/groundwork/internal/testbin"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/usage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	testbin.Cleanup()
	os.Exit(code)
}

func random(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// database is a fresh database owned by a fresh role with a random
// password: the secret that must not be exported.
func database(t *testing.T) (dsn, password string) {
	t.Helper()
	srv := kit.SharedPostgres(t)
	name := "gw_otel_" + random(t)
	password = "Pw" + random(t) + "/@:%"
	admin, err := sql.Open("pgx", srv.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	for _, q := range []string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", name, strings.ReplaceAll(password, "'", "''")),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", name, name),
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", strings.SplitN(q, " PASSWORD", 2)[0], err)
		}
	}
	return srv.DSNAs(name, password, name), password
}

func registry(t *testing.T, apiKey string) (*core.Registry, core.Selection) {
	t.Helper()
	cfg := orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: apiKey}
	steps := append([]core.Step{orgaccess.HostTables()}, orgaccess.Steps(cfg)...)
	steps = append(steps, usage.Steps()...)
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatal(err)
	}
	return reg, core.Selection{Include: []string{orgaccess.HostTablesID}}
}

func noSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, url.PathEscape(s), url.QueryEscape(s), url.UserPassword("", s).String()[1:]} {
			if strings.Contains(text, form) {
				t.Fatalf("%s shows a secret (as %q)", what, form)
			}
		}
	}
}

// A cold apply, then a drift found by verify, through the library
// options, with statement spans.
func TestLibraryPostgres(t *testing.T) {
	dsn, password := database(t)
	apiKey := "sk-or-v1-" + random(t)
	rcv := otlptest.NewHTTP(t)
	ctx := context.Background()
	texp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(rcv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	mexp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(rcv.URL+"/v1/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(texp))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp)))

	d, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	reg, sel := registry(t, apiKey)
	opts := []core.Option{core.WithSelection(sel), core.WithTracerProvider(tp), core.WithMeterProvider(mp), core.WithStatementSpans(true)}
	rep, err := core.NewRunner(d, reg, opts...).Apply(ctx)
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v\n%s", err, kit.DumpReport(rep))
	}
	if _, err := d.DB().DB.ExecContext(ctx, `DROP INDEX "idx_org_models_org_active"`); err != nil {
		t.Fatal(err)
	}
	vrep, err := core.NewRunner(d, reg, opts...).Verify(ctx)
	if err != nil || vrep.Status != core.RunDrift {
		t.Fatalf("verify after the drop: %v, status %s", err, vrep.Status)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := errors.Join(tp.Shutdown(sctx), mp.Shutdown(sctx)); err != nil {
		t.Fatal(err)
	}

	spans := rcv.Spans()
	byID := map[string]otlptest.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	var apply, verify otlptest.Span
	for _, s := range spans {
		switch s.Name {
		case "groundwork apply":
			apply = s
		case "groundwork verify":
			verify = s
		}
	}
	if apply.Name == "" || verify.Name == "" || apply.TraceID == verify.TraceID {
		t.Fatalf("want an apply and a verify run, each its own trace:\n%s", otlptest.Tree(spans))
	}
	for k, want := range map[string]any{"db.system.name": "postgresql", "groundwork.run.status": "converged",
		"groundwork.run.changed": true, "groundwork.run.queries": rep.Queries, "groundwork.run.statements": int64(rep.Statements)} {
		if apply.Attrs[k] != want {
			t.Fatalf("apply span: %s = %v, want %v", k, apply.Attrs[k], want)
		}
	}
	if verify.Attrs["groundwork.run.status"] != "drift" || verify.Attrs["groundwork.run.drift"] != int64(1) {
		t.Fatalf("verify span attributes %v", verify.Attrs)
	}
	lock, steps, statements, driftStep := 0, 0, 0, false
	for _, s := range spans {
		parent := byID[s.ParentID]
		switch {
		case s.Name == "groundwork.lock":
			lock++
			if parent.SpanID != apply.SpanID {
				t.Fatal("the lock span is not the apply run's child")
			}
		case strings.HasPrefix(s.Name, "step ") && parent.SpanID == apply.SpanID:
			steps++
		case s.Name == "step index:idx_org_models_org_active" && parent.SpanID == verify.SpanID:
			driftStep = s.Attrs["groundwork.step.status"] == core.StatusDrift
		case s.Kind == tracepb.Span_SPAN_KIND_CLIENT:
			statements++
			if s.Attrs["db.system.name"] != "postgresql" || s.Attrs["db.query.text"] == "" {
				t.Fatalf("statement span %q: %v", s.Name, s.Attrs)
			}
		}
	}
	// The check without the lock adds the spans of the steps it looked at
	// until the first with work (a cold start: the first step).
	if lock != 1 || steps <= len(rep.Steps) || steps > 2*len(rep.Steps) || statements == 0 || !driftStep {
		t.Fatalf("lock spans %d, step spans %d (want %d under the lock, plus those checked before it), statement spans %d, drifted step %t:\n%s",
			lock, steps, len(rep.Steps), statements, driftStep, otlptest.Tree(spans))
	}
	m := rcv.Metrics()
	drift := m[core.MetricDrift]
	found := false
	for _, p := range drift.Points {
		found = found || (p.Attrs["groundwork.run.mode"] == "verify" && p.Value == 1)
	}
	if !found {
		t.Fatalf("%s: %+v, want 1 for the verify run", core.MetricDrift, drift.Points)
	}
	if d := m[core.MetricRunDuration]; len(d.Points) != 2 {
		t.Fatalf("%s: %+v, want a point per mode", core.MetricRunDuration, d.Points)
	}
	noSecret(t, "the export", rcv.Dump(), password, apiKey)
	t.Logf("the apply's span tree, statements left out:\n%s", treeWithoutStatements(spans, apply.TraceID))
}

func treeWithoutStatements(spans []otlptest.Span, traceID string) string {
	var keep []otlptest.Span
	for _, s := range spans {
		if s.TraceID == traceID && s.Kind != tracepb.Span_SPAN_KIND_CLIENT {
			keep = append(keep, s)
		}
	}
	return otlptest.Tree(keep)
}

// The binary, configured the standard way, exports a converging apply
// and a failing one (a second organization with the same key) at debug
// level: the failure on its step's span, no secret anywhere.
func TestBinaryPostgres(t *testing.T) {
	dsn, password := database(t)
	apiKey := "sk-or-v1-" + random(t)
	rcv := otlptest.NewHTTP(t)
	dir := t.TempDir()
	env := testbin.Env(dir, "GROUNDWORK_OTEL=true", "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.URL, "OTEL_SERVICE_NAME=gw-init",
		"GROUNDWORK_DB="+dsn, "OPENROUTER_API_KEY="+apiKey, "GROUNDWORK_LOG_LEVEL=debug")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := testbin.Run(ctx, t, dir, append(env, "OPENROUTER_EXTERNAL_USER=acme-dev", "ORGANIZATION_NAME=Acme Dev"),
		"apply", "--include", "host:openwebui-tables")
	if r.Code != 0 {
		t.Fatalf("apply:\n%s", r)
	}
	r2 := testbin.Run(ctx, t, dir, append(env, "OPENROUTER_EXTERNAL_USER=other-org", "ORGANIZATION_NAME=Other"), "apply")
	if r2.Code == 0 {
		t.Fatalf("a second organization with the same key converged:\n%s", r2)
	}
	noSecret(t, "the output", r.Stdout+r.Stderr+r2.Stdout+r2.Stderr, password, apiKey)
	noSecret(t, "the export", rcv.Dump(), password, apiKey)

	spans := rcv.Spans()
	runs, failedStep := 0, false
	for _, s := range spans {
		if s.Resource["service.name"] != "gw-init" {
			t.Fatalf("span %q: service.name %v", s.Name, s.Resource["service.name"])
		}
		if s.Name == "groundwork apply" {
			runs++
		}
		if strings.HasPrefix(s.Name, "step ") && s.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			failedStep = len(s.Events) == 1 && s.Events[0].Name == "exception" && s.Attrs["error.type"] != nil
		}
	}
	if runs != 2 || !failedStep {
		t.Fatalf("%d apply runs (want 2), a failed step span with its exception: %t:\n%s", runs, failedStep, otlptest.Tree(spans))
	}
	if d := rcv.Metrics()[core.MetricRunDuration]; len(d.Points) == 0 {
		t.Fatalf("no %s received", core.MetricRunDuration)
	}
}
