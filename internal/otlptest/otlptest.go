// Package otlptest is an in-process OpenTelemetry collector for tests:
// an OTLP/HTTP (protobuf) or OTLP/gRPC receiver on loopback that keeps
// every span and metric it is sent, decoded with the OTLP protobuf
// types, so a test asserts names, attributes and parentage of what a
// real exporter sent.
package otlptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Receiver keeps what it was sent.
type Receiver struct {
	// URL is the base URL of the receiver (OTEL_EXPORTER_OTLP_ENDPOINT):
	// http://127.0.0.1:port.
	URL string

	mu      sync.Mutex
	traces  []*coltrace.ExportTraceServiceRequest
	metrics []*colmetric.ExportMetricsServiceRequest
	dump    strings.Builder // every request as protojson, and its raw bytes
}

// NewHTTP starts an OTLP/HTTP receiver (POST /v1/traces, /v1/metrics),
// stopped when the test ends.
func NewHTTP(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serveHTTP))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var resp proto.Message
	switch req.URL.Path {
	case "/v1/traces":
		m := &coltrace.ExportTraceServiceRequest{}
		if err = proto.Unmarshal(raw, m); err == nil {
			r.addTraces(m, raw)
		}
		resp = &coltrace.ExportTraceServiceResponse{}
	case "/v1/metrics":
		m := &colmetric.ExportMetricsServiceRequest{}
		if err = proto.Unmarshal(raw, m); err == nil {
			r.addMetrics(m, raw)
		}
		resp = &colmetric.ExportMetricsServiceResponse{}
	default:
		http.NotFound(w, req)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// NewGRPC starts an OTLP/gRPC receiver on loopback, stopped when the
// test ends; URL is its endpoint (http:// for a plaintext connection).
func NewGRPC(t testing.TB) *Receiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Receiver{URL: "http://" + l.Addr().String()}
	srv := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(srv, grpcTraces{r: r})
	colmetric.RegisterMetricsServiceServer(srv, grpcMetrics{r: r})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return r
}

type grpcTraces struct {
	coltrace.UnimplementedTraceServiceServer
	r *Receiver
}

func (g grpcTraces) Export(_ context.Context, m *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	raw, _ := proto.Marshal(m)
	g.r.addTraces(m, raw)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

type grpcMetrics struct {
	colmetric.UnimplementedMetricsServiceServer
	r *Receiver
}

func (g grpcMetrics) Export(_ context.Context, m *colmetric.ExportMetricsServiceRequest) (*colmetric.ExportMetricsServiceResponse, error) {
	raw, _ := proto.Marshal(m)
	g.r.addMetrics(m, raw)
	return &colmetric.ExportMetricsServiceResponse{}, nil
}

func (r *Receiver) addTraces(m *coltrace.ExportTraceServiceRequest, raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.traces = append(r.traces, m)
	r.record(m, raw)
}

func (r *Receiver) addMetrics(m *colmetric.ExportMetricsServiceRequest, raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.metrics = append(r.metrics, m)
	r.record(m, raw)
}

func (r *Receiver) record(m proto.Message, raw []byte) {
	j, _ := protojson.Marshal(m)
	r.dump.Write(j)
	r.dump.WriteByte('\n')
	r.dump.Write(raw)
	r.dump.WriteByte('\n')
}

// Dump is every request received, as protojson and as its raw bytes:
// the text a secret scan reads.
func (r *Receiver) Dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dump.String()
}

// Span is a received span, flattened.
type Span struct {
	Name     string
	Kind     tracepb.Span_SpanKind
	TraceID  string
	SpanID   string
	ParentID string // "" for a root span
	Attrs    map[string]any
	Resource map[string]any
	Scope    string
	Status   *tracepb.Status
	Events   []Event
}

// Event is a span event (an exception, say).
type Event struct {
	Name  string
	Attrs map[string]any
}

// Spans returns every span received so far, in the order received.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, req := range r.traces {
		for _, rs := range req.GetResourceSpans() {
			res := attrs(rs.GetResource().GetAttributes())
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					sp := Span{Name: s.GetName(), Kind: s.GetKind(), TraceID: hex.EncodeToString(s.GetTraceId()),
						SpanID: hex.EncodeToString(s.GetSpanId()), ParentID: hex.EncodeToString(s.GetParentSpanId()),
						Attrs: attrs(s.GetAttributes()), Resource: res, Scope: ss.GetScope().GetName(), Status: s.GetStatus()}
					for _, e := range s.GetEvents() {
						sp.Events = append(sp.Events, Event{Name: e.GetName(), Attrs: attrs(e.GetAttributes())})
					}
					out = append(out, sp)
				}
			}
		}
	}
	return out
}

// Point is one data point of a received metric.
type Point struct {
	Attrs map[string]any
	// Value is a sum's or a gauge's value, or a histogram's sum.
	Value float64
	// Count is a histogram's count (0 for other kinds).
	Count uint64
}

// Metric is a received metric with its points.
type Metric struct {
	Name, Unit string
	Kind       string // "sum", "histogram", "gauge"
	Resource   map[string]any
	Points     []Point
}

// Metrics returns the metrics of the last export that had them, by name:
// exports of a cumulative reader repeat every point, so the last holds
// the totals.
func (r *Receiver) Metrics() map[string]Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]Metric{}
	for _, req := range r.metrics {
		for _, rm := range req.GetResourceMetrics() {
			res := attrs(rm.GetResource().GetAttributes())
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					out[m.GetName()] = convert(m, res)
				}
			}
		}
	}
	return out
}

func convert(m *metricpb.Metric, res map[string]any) Metric {
	out := Metric{Name: m.GetName(), Unit: m.GetUnit(), Resource: res}
	switch d := m.GetData().(type) {
	case *metricpb.Metric_Sum:
		out.Kind = "sum"
		for _, p := range d.Sum.GetDataPoints() {
			out.Points = append(out.Points, Point{Attrs: attrs(p.GetAttributes()), Value: number(p)})
		}
	case *metricpb.Metric_Gauge:
		out.Kind = "gauge"
		for _, p := range d.Gauge.GetDataPoints() {
			out.Points = append(out.Points, Point{Attrs: attrs(p.GetAttributes()), Value: number(p)})
		}
	case *metricpb.Metric_Histogram:
		out.Kind = "histogram"
		for _, p := range d.Histogram.GetDataPoints() {
			out.Points = append(out.Points, Point{Attrs: attrs(p.GetAttributes()), Value: p.GetSum(), Count: p.GetCount()})
		}
	}
	return out
}

func number(p *metricpb.NumberDataPoint) float64 {
	if v, ok := p.GetValue().(*metricpb.NumberDataPoint_AsInt); ok {
		return float64(v.AsInt)
	}
	return p.GetAsDouble()
}

func attrs(kvs []*commonpb.KeyValue) map[string]any {
	out := map[string]any{}
	for _, kv := range kvs {
		out[kv.GetKey()] = value(kv.GetValue())
	}
	return out
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	}
	return fmt.Sprint(v)
}

// Tree renders the spans of one trace as an indented tree, children in
// the order received: what a test prints when an assertion fails, and
// what the README shows.
func Tree(spans []Span) string {
	children := map[string][]Span{}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanID] = true
	}
	var roots []Span
	for _, s := range spans {
		if s.ParentID == "" || !ids[s.ParentID] {
			roots = append(roots, s)
			continue
		}
		children[s.ParentID] = append(children[s.ParentID], s)
	}
	var b bytes.Buffer
	var walk func(s Span, depth int)
	walk = func(s Span, depth int) {
		fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("  ", depth), s.Name, brief(s))
		for _, c := range children[s.SpanID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}

// brief lists a span's groundwork attributes and an error status.
func brief(s Span) string {
	var keys []string
	for k := range s.Attrs {
		if strings.HasPrefix(k, "groundwork.") || k == "db.system.name" || k == "db.query.text" || k == "error.type" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", strings.TrimPrefix(k, "groundwork."), s.Attrs[k]))
	}
	if s.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		parts = append(parts, "ERROR")
	}
	if len(parts) == 0 {
		return ""
	}
	return "  [" + strings.Join(parts, " ") + "]"
}
