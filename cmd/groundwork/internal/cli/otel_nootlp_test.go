//go:build nootlp

package cli

import (
	"strings"
	"testing"
)

// A build without the OTLP exporters runs with --otel as without it, and
// says on stderr that nothing is exported; bad OTEL_* settings are still
// bad input.
func TestOTelNotBuiltIn(t *testing.T) {
	db := tempDB(t)
	env := map[string]string{
		"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme Dev", "OPENROUTER_API_KEY": "sk-test-nootlp",
		"GROUNDWORK_OTEL": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",
	}
	r := run(t, env, "apply", "--db", sqliteURL(db), "--include", "host:openwebui-tables")
	mustCode(t, r, ExitOK)
	if !strings.Contains(r.stderr, "built without the OTLP exporters") {
		t.Fatalf("no warning that nothing is exported:\n%s", r.stderr)
	}
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "carrier-pigeon"
	mustCode(t, run(t, env, "apply", "--db", sqliteURL(db)), ExitInvalid)
}
