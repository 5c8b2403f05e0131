package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagGroups orders the global flags of the help text by what they are
// about. A flag in no group (one added later) is listed under "other",
// so none is ever hidden.
var flagGroups = []struct {
	title string
	flags []string
}{
	{"database", []string{"db", "wait", "config"}},
	{"organization", []string{"org-id", "org-name", "api-key", "models", "environment", "no-name-heuristic", "host-wait"}},
	{"time and locks", []string{"timeout", "step-timeout", "lock-timeout", "lock-mode", "lease-ttl"}},
	{"output and logs", []string{"output", "verbose", "log-level", "log-format"}},
}

// examples are each command's examples, shown by its help.
var examples = map[string]string{
	"apply": `  # in a container entrypoint or an init container: wait for the database, apply, verify
  DATABASE_URL=postgres://app:pw@db:5432/app groundwork apply --wait 60s
  # only the usage-tracking tables
  groundwork apply --db sqlite:///data/app.db --tag usage`,
	"plan": `  # what apply would do, with the SQL; exit 3 when there is something to do
  groundwork plan --db postgres://app:pw@db:5432/app
  groundwork plan --db sqlite:///data/app.db -o json`,
	"verify": `  # the readiness probe: read-only, no lock; give it apply's environment
  groundwork verify --timeout 5s
  # exit 4 instead of 0 when the next apply would add rows
  groundwork verify --fail-on-pending`,
	"steps":   "  groundwork steps\n  groundwork steps -o wide",
	"history": "  groundwork history --db sqlite:///data/app.db --limit 5\n  groundwork history show 12 --db sqlite:///data/app.db",
	"show":    "  groundwork history show 12 --db sqlite:///data/app.db\n  groundwork history show 12 -o json",
	"demo":    "  go run ./cmd/groundwork demo\n  groundwork demo --db /tmp/demo.db -o json",
	"version": "  groundwork version -o json",
}

// setHelp installs the help of every command: what it does, usage,
// examples, its own flags, the global flags (in full and grouped on the
// root, by name only on a sub-command), and the exit codes.
func (a *app) setHelp(root *cobra.Command) {
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { writeHelp(cmd.OutOrStdout(), cmd) })
	root.SetUsageFunc(func(cmd *cobra.Command) error {
		writeHelp(cmd.OutOrStderr(), cmd)
		return nil
	})
}

func writeHelp(w io.Writer, cmd *cobra.Command) {
	var b strings.Builder
	text := cmd.Long
	if text == "" {
		text = cmd.Short
	}
	use := cmd.UseLine()
	if !cmd.HasParent() {
		use = cmd.Name() + " <command> [flags]"
	}
	b.WriteString(strings.TrimSpace(text) + "\n\nUsage:\n  " + use + "\n")
	if cmd.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				fmt.Fprintf(&b, "  %-9s %s\n", c.Name(), c.Short)
			}
		}
	}
	if ex, ok := examples[cmd.Name()]; ok {
		b.WriteString("\nExamples:\n" + ex + "\n")
	}
	if cmd.HasParent() {
		local := cmd.LocalNonPersistentFlags()
		if u := local.FlagUsages(); u != "" {
			b.WriteString("\nFlags:\n" + u)
		}
		b.WriteString("\nGlobal flags (every command; groundwork --help and docs/configuration.md say what each does):\n")
		for _, g := range groupFlags(cmd.Root().PersistentFlags()) {
			names := make([]string, len(g.flags))
			for i, f := range g.flags {
				names[i] = "--" + f.Name
			}
			fmt.Fprintf(&b, "  %-16s %s\n", g.title+":", strings.Join(names, " "))
		}
	} else {
		for _, g := range groupFlags(cmd.PersistentFlags()) {
			fs := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
			for _, f := range g.flags {
				fs.AddFlag(f)
			}
			b.WriteString("\nGlobal flags: " + g.title + "\n" + fs.FlagUsagesWrapped(100))
		}
	}
	b.WriteString("\n" + exitCodeHelp())
	fmt.Fprint(w, b.String())
}

type flagGroup struct {
	title string
	flags []*pflag.Flag
}

func groupFlags(fs *pflag.FlagSet) []flagGroup {
	seen := map[string]bool{}
	var out []flagGroup
	for _, g := range flagGroups {
		fg := flagGroup{title: g.title}
		for _, name := range g.flags {
			if f := fs.Lookup(name); f != nil {
				fg.flags = append(fg.flags, f)
				seen[name] = true
			}
		}
		out = append(out, fg)
	}
	other := flagGroup{title: "other"}
	fs.VisitAll(func(f *pflag.Flag) {
		if !seen[f.Name] && f.Name != "help" {
			other.flags = append(other.flags, f)
		}
	})
	sort.Slice(other.flags, func(i, j int) bool { return other.flags[i].Name < other.flags[j].Name })
	if len(other.flags) > 0 {
		out = append(out, other)
	}
	return out
}
