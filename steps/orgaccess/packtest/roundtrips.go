package packtest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// Round trips of a converged start of the whole pack, after connecting
// (the README's figures): the catalog, then the steps' declared reads in
// one round, the model list from the host's config included (the checks
// read the organization's links as a set beside the config, sets.go) and
// the view proof's sample too (in SQL, verify_reads.go).
const warmStart = 2

// withCatalog is what a driver that sends the reads with the catalog
// read (core.InspectReader: PostgreSQL) saves: the round of reads,
// declared against the pack's guess of the catalog. The guess has the
// current Open WebUI's per-key config; on a host with the older
// single-row config (and the demo tables) the config's reads miss the
// guess and come in a round of their own, after the catalog.
func withCatalog(d core.Driver, guessHolds bool) int64 {
	if _, ok := d.(core.InspectReader); ok && guessHolds {
		return 1
	}
	return 0
}

// catalogExtra is what a dialect's catalog read costs beyond one query:
// nothing on any dialect. MySQL's is one statement too once groundwork's
// table of view fingerprints exists, which the pack's view creates (one
// more query before: see drivers/mysql.CatalogQueries).
func catalogExtra(core.Driver) int64 { return 0 }

// warmQueries returns the queries of a converged apply and verify, and
// their debug logs.
func warmQueries(t *testing.T, d core.Driver, cfg orgaccess.Config) (apply, verify int64, logs string) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	defer func() { logs = buf.String() }()
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		r := core.NewRunner(d, registry(t, cfg, false), core.WithLogger(log))
		run := r.Apply
		if mode == core.ModeVerify {
			run = r.Verify
		}
		rep, err := run(ctx)
		if err != nil || rep.Changed || rep.Status != core.RunConverged {
			t.Fatalf("warm %s: %v\n%s", mode, err, coretest.Dump(rep))
		}
		if mode == core.ModeApply {
			apply = rep.Queries
		} else {
			verify = rep.Queries
		}
	}
	return apply, verify, ""
}

// testWarmRoundTrips: a converged apply and verify of the pack cost the
// round trips above, with the model list explicit and from the config.
func testWarmRoundTrips(t *testing.T, d core.Driver) {
	setupHost(t, d)
	for _, tc := range []struct {
		name string
		cfg  orgaccess.Config
		want int64
	}{
		{"explicit", func() orgaccess.Config {
			c := DevConfig()
			c.Models = []string{"openai/gpt-4o", "anthropic/claude-sonnet-4"}
			return c
		}(), warmStart},
		{"config", DevConfig(), warmStart},
	} {
		apply(t, d, tc.cfg)
		a, v, _ := warmQueries(t, d, tc.cfg)
		// The demo tables have the single-row config: only an explicit
		// list skips it.
		want := tc.want + catalogExtra(d) - withCatalog(d, tc.cfg.Models != nil)
		if a > want || v > want {
			t.Errorf("%s models: warm apply %d queries, verify %d: want at most %d", tc.name, a, v, want)
		}
		t.Logf("measure: %s warm start of the pack, %s models: apply %d queries, verify %d", d.Dialect(), tc.name, a, v)
	}
}

// testHostWarmRoundTrips: the same on the real Open WebUI schema of the
// generation (its models from the host's config).
func testHostWarmRoundTrips(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	apply(t, d, DevConfig())
	a, v, logs := warmQueries(t, d, DevConfig())
	if want := warmStart + catalogExtra(d) - withCatalog(d, hostPerKeyConfig(gen)); a > want || v > want {
		t.Errorf("warm apply %d queries, verify %d: want at most %d", a, v, want)
	}
	// On the generation the guess is made for, no read sent with the
	// catalog fails (each would be an error in the server's log).
	if withCatalog(d, hostPerKeyConfig(gen)) > 0 && strings.Contains(logs, "against the expected catalog failed") {
		t.Errorf("reads sent with the catalog failed on %s:\n%s", gen, logs)
	}
	t.Logf("measure: %s %s warm start of the pack: apply %d queries, verify %d", d.Dialect(), gen, a, v)
}

// hostPerKeyConfig: the generation stores its config a row per key.
func hostPerKeyConfig(gen string) bool { return gen == openwebuitest.V0_10_2 }
