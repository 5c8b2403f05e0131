package packtest

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/drivertest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// Round trips of a converged start of the whole pack, after connecting
// (the README's figures): the catalog, then the steps' declared reads in
// two rounds when the model list comes from the host's config (the list
// is the second round's arguments, as the view proof's sample is of its
// counts), three with an explicit list.
const (
	warmExplicit = 4 // measured: catalog + 3 rounds of reads
	warmConfig   = 3 // catalog + 2 rounds of reads
)

// withCatalog is what a driver that sends the first round of reads with
// the catalog read (core.InspectReader: PostgreSQL) saves: the rounds
// declared against the pack's guess of the catalog. The guess has the
// current Open WebUI's per-key config; on a host with the older
// single-row config (and the demo tables) the config's reads miss and
// cost the round they saved.
func withCatalog(d core.Driver, explicit, perKeyConfig bool) int64 {
	if _, ok := d.(core.InspectReader); !ok {
		return 0
	}
	if explicit {
		return 2 // measured: catalog with 2 rounds, then 1
	}
	if perKeyConfig {
		return 1
	}
	return 0
}

// catalogExtra is what a dialect's catalog read costs beyond one query
// (MySQL: tables and columns, indexes, foreign keys).
func catalogExtra(d core.Driver) int64 {
	if d.Dialect() == "mysql" {
		return 2
	}
	return 0
}

// warmQueries returns the queries of a converged apply and verify.
func warmQueries(t *testing.T, d core.Driver, cfg orgaccess.Config) (apply, verify int64) {
	t.Helper()
	ctx := context.Background()
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		r := core.NewRunner(d, registry(t, cfg, false))
		run := r.Apply
		if mode == core.ModeVerify {
			run = r.Verify
		}
		rep, err := run(ctx)
		if err != nil || rep.Changed || rep.Status != core.RunConverged {
			t.Fatalf("warm %s: %v\n%s", mode, err, drivertest.Dump(rep))
		}
		if mode == core.ModeApply {
			apply = rep.Queries
		} else {
			verify = rep.Queries
		}
	}
	return apply, verify
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
		}(), warmExplicit},
		{"config", DevConfig(), warmConfig},
	} {
		apply(t, d, tc.cfg)
		a, v := warmQueries(t, d, tc.cfg)
		want := tc.want + catalogExtra(d) - withCatalog(d, tc.cfg.Models != nil, false)
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
	a, v := warmQueries(t, d, DevConfig())
	if want := warmConfig + catalogExtra(d) - withCatalog(d, false, hostPerKeyConfig(gen)); a > want || v > want {
		t.Errorf("warm apply %d queries, verify %d: want at most %d", a, v, want)
	}
	t.Logf("measure: %s %s warm start of the pack: apply %d queries, verify %d", d.Dialect(), gen, a, v)
}

// hostPerKeyConfig: the generation stores its config a row per key.
func hostPerKeyConfig(gen string) bool { return gen == openwebuitest.V0_10_2 }
