package bench

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"
)

// Workload names.
const (
	W1 = "W1" // warm start, nothing to do
	W2 = "W2" // cold start
	W3 = "W3" // development population at scale
	W4 = "W4" // linking at scale
	W5 = "W5" // the view in use
	W6 = "W6" // memory and size
	W7 = "W7" // converged restart at scale
	W8 = "W8" // the host's own tables in the catalog
)

// AllWorkloads in run order.
var AllWorkloads = []string{W1, W2, W3, W4, W5, W6, W7, W8}

// DefaultWorkloads are what `make bench` runs: everything but W3 and W6,
// whose row-by-row baseline and 100k-user CLI populations take most of
// a full run (a minute per dialect each on two cores); W7 measures W3's
// converged restart at its size. `-workloads all` runs them all.
var DefaultWorkloads = []string{W1, W2, W4, W5, W7, W8}

// Config is one run of the harness.
type Config struct {
	// Dialects to measure: "sqlite", "postgres", "mariadb".
	Dialects []string
	// Workloads to run (W1…W6).
	Workloads []string
	// Reps is how many timed runs each tool gets in the small workloads
	// (W1, W2); BigReps in W3 and W4; BaselineReps for the row-by-row
	// baseline, the slowest by far.
	Reps, BigReps, BaselineReps int
	// Users is W3's number of eligible users; Models is W4's number of
	// configured models.
	Users, Models int
	// ViewMembers members across ViewOrgs organizations, ViewQueries
	// queries: W5.
	ViewMembers, ViewOrgs, ViewQueries int
	// RSSUsers are the population sizes at which W6 measures the CLI's
	// peak RSS.
	RSSUsers []int
	// RSSReps is how many CLI runs W6 makes at each size.
	RSSReps int
	// RestartUsers is W7's population: that many users, all members of
	// the development organization, on which apply and verify are no-ops.
	// VerifyUsers is W7's larger population, measured on the dialects of
	// VerifyUsersDialects only.
	RestartUsers, VerifyUsers int
	VerifyUsersDialects       []string
	// HostTables is how many tables of the host's W8 adds to a converged
	// database.
	HostTables int
	// ProxyDelay is what the latency proxy adds each way in W1 (0: no
	// proxied rows); ProxyReps is how many timed runs each tool gets
	// through it.
	ProxyDelay time.Duration
	ProxyReps  int
	// GooseBinary is a prebuilt goose CLI to use instead of building one.
	GooseBinary string
	// RepoRoot is the groundwork module's directory (the CLI is built
	// from it); Binary a prebuilt CLI to use instead.
	RepoRoot, Binary string
	// TempDir holds SQLite files, scripts and the built CLI ("" is the
	// system's).
	TempDir string
	// ProfileDir, when set, receives a CPU profile of each in-process
	// groundwork run of W2–W4.
	ProfileDir string
	// SQLitePragmas are added to every in-process SQLite connection (the
	// CLI is not affected), e.g. "synchronous(NORMAL)": a what-if for a
	// change to drivers/sqlite.
	SQLitePragmas []string
	// Logger receives progress; nil discards.
	Logger *slog.Logger
}

// DefaultConfig is the workload sizes with repetitions that keep
// a full run under about fifteen minutes on two cores.
func DefaultConfig() Config {
	return Config{
		Dialects:     []string{"sqlite", "postgres", "mariadb"},
		Workloads:    DefaultWorkloads,
		Reps:         7,
		BigReps:      3,
		BaselineReps: 1,
		Users:        100_000,
		Models:       1_000,
		ViewMembers:  100_000,
		ViewOrgs:     10,
		ViewQueries:  10_000,
		RSSUsers:     []int{10_000, 100_000},
		RSSReps:      2,
		RepoRoot:     "../..",

		RestartUsers:        100_000,
		VerifyUsers:         200_000,
		VerifyUsersDialects: []string{"postgres"},
		HostTables:          500,
		ProxyDelay:          DefaultProxyDelay,
		ProxyReps:           5,
	}
}

// SmokeConfig is a tiny run for the smoke test: seconds, SQLite only.
func SmokeConfig() Config {
	c := DefaultConfig()
	c.Dialects = []string{"sqlite"}
	c.Reps, c.BigReps, c.BaselineReps, c.RSSReps = 1, 1, 1, 1
	c.Users, c.Models = 200, 20
	c.ViewMembers, c.ViewOrgs, c.ViewQueries = 300, 3, 50
	c.RSSUsers = []int{50, 200}
	c.Workloads = AllWorkloads
	c.RestartUsers, c.VerifyUsers, c.VerifyUsersDialects = 200, 300, []string{"sqlite"}
	c.HostTables, c.ProxyReps = 20, 1
	return c
}

func (c *Config) validate() error {
	if len(c.Dialects) == 0 {
		return fmt.Errorf("bench: no dialect selected")
	}
	for _, w := range c.Workloads {
		if !slices.Contains(AllWorkloads, w) {
			return fmt.Errorf("bench: unknown workload %q (want one of %v)", w, AllWorkloads)
		}
	}
	if c.Reps < 1 || c.BigReps < 1 || c.BaselineReps < 1 || c.RSSReps < 1 || c.ProxyReps < 1 {
		return fmt.Errorf("bench: every repetition count must be at least 1")
	}
	if c.RestartUsers < 1 || c.VerifyUsers < 1 || c.HostTables < 0 || c.ProxyDelay < 0 {
		return fmt.Errorf("bench: W7 sizes must be positive, host tables and the proxy delay not negative")
	}
	if c.Users < 1 || c.Models < 1 || c.ViewMembers < c.ViewOrgs || c.ViewOrgs < 1 || c.ViewQueries < 1 {
		return fmt.Errorf("bench: sizes must be positive (and view members at least the organizations)")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

func (c *Config) runs(w string) bool { return slices.Contains(c.Workloads, w) }
