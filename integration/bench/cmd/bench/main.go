// Command bench runs groundwork's benchmark harness and writes
// results/latest.md and results/latest.json. See `bench -h`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/groundworkdb/groundwork/integration/bench"
)

func main() {
	os.Exit(run())
}

func run() int {
	cfg := bench.DefaultConfig()
	var dialects, workloads, rssUsers, pragmas, out string
	var smoke, merge bool
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&dialects, "dialects", strings.Join(cfg.Dialects, ","), "dialects to measure, comma-separated (sqlite, postgres, mariadb)")
	fs.StringVar(&workloads, "workloads", strings.Join(cfg.Workloads, ","), "workloads to run, comma-separated (W1…W8), or all")
	fs.IntVar(&cfg.Reps, "reps", cfg.Reps, "timed runs per tool in W1 and W2")
	fs.IntVar(&cfg.BigReps, "big-reps", cfg.BigReps, "timed runs per tool in W3 and W4")
	fs.IntVar(&cfg.BaselineReps, "baseline-reps", cfg.BaselineReps, "timed runs of the row-by-row baseline")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "W3: eligible users to populate")
	fs.IntVar(&cfg.Models, "models", cfg.Models, "W4: configured models to link")
	fs.IntVar(&cfg.ViewMembers, "view-members", cfg.ViewMembers, "W5: members across the organizations")
	fs.IntVar(&cfg.ViewOrgs, "view-orgs", cfg.ViewOrgs, "W5: organizations")
	fs.IntVar(&cfg.ViewQueries, "view-queries", cfg.ViewQueries, "W5: timed view queries")
	fs.StringVar(&rssUsers, "rss-users", joinInts(cfg.RSSUsers), "W6: populations at which the CLI's peak RSS is measured")
	fs.IntVar(&cfg.RSSReps, "rss-reps", cfg.RSSReps, "W6: CLI runs per population")
	fs.IntVar(&cfg.RestartUsers, "restart-users", cfg.RestartUsers, "W7: users (all members) of the converged restart")
	fs.IntVar(&cfg.VerifyUsers, "verify-users", cfg.VerifyUsers, "W7: the larger population, on -verify-users-dialects")
	var verifyDialects string
	fs.StringVar(&verifyDialects, "verify-users-dialects", strings.Join(cfg.VerifyUsersDialects, ","), "W7: dialects measured at -verify-users")
	fs.IntVar(&cfg.HostTables, "host-tables", cfg.HostTables, "W8: tables of the host's added to a converged database")
	fs.DurationVar(&cfg.ProxyDelay, "proxy-delay", cfg.ProxyDelay, "W1: latency the loopback proxy adds each way (0: no proxied rows)")
	fs.IntVar(&cfg.ProxyReps, "proxy-reps", cfg.ProxyReps, "W1: timed runs per tool through the proxy")
	fs.StringVar(&cfg.GooseBinary, "goose", "", "a prebuilt goose CLI to use instead of building one")
	fs.StringVar(&cfg.RepoRoot, "repo", cfg.RepoRoot, "the groundwork repository (the CLI is built from it)")
	fs.StringVar(&cfg.Binary, "groundwork", "", "a prebuilt groundwork CLI to use instead of building one")
	fs.StringVar(&cfg.ProfileDir, "cpuprofile-dir", "", "write a CPU profile of every in-process groundwork run of W2–W4 here")
	fs.StringVar(&pragmas, "sqlite-pragmas", "", "what-if: extra pragmas for in-process SQLite connections, comma-separated, e.g. journal_mode(WAL),synchronous(NORMAL) (the CLI keeps the driver's)")
	fs.StringVar(&out, "out", "results", "directory for latest.md and latest.json")
	fs.BoolVar(&merge, "merge", false, "fold these results into the existing <out>/latest.json instead of replacing it (re-measure one workload)")
	fs.BoolVar(&smoke, "smoke", false, "tiny sizes, SQLite only (what the smoke test runs)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if smoke {
		s := bench.SmokeConfig()
		s.RepoRoot, s.Binary, s.ProfileDir, s.GooseBinary = cfg.RepoRoot, cfg.Binary, cfg.ProfileDir, cfg.GooseBinary
		cfg = s
	} else {
		cfg.Dialects = split(dialects)
		cfg.Workloads = split(workloads)
		if workloads == "all" {
			cfg.Workloads = bench.AllWorkloads
		}
		cfg.VerifyUsersDialects = split(verifyDialects)
		sizes, err := parseInts(rssUsers)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -rss-users:", err)
			return 2
		}
		cfg.RSSUsers = sizes
		cfg.SQLitePragmas = split(pragmas)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	command := "go run ./cmd/bench " + strings.Join(os.Args[1:], " ")
	res, err := bench.Run(ctx, cfg, strings.TrimSpace(command))
	if res != nil && merge {
		merged, merr := bench.Merge(filepath.Join(out, "latest.json"), res)
		if merr != nil {
			fmt.Fprintln(os.Stderr, merr)
			return 1
		}
		res = merged
	}
	if res != nil {
		if werr := bench.WriteFiles(res, out); werr != nil {
			fmt.Fprintln(os.Stderr, werr)
			return 1
		}
		bench.Markdown(os.Stdout, res)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range split(s) {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}
