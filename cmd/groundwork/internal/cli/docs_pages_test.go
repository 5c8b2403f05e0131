package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

const repoRoot = "../../../.."

// docPages are the pages whose commands, counts and versions are checked.
func docPages(t *testing.T) []string {
	t.Helper()
	pages := []string{filepath.Join(repoRoot, "README.md")}
	for _, glob := range []string{"docs/*.md", "examples/*/README.md"} {
		m, err := filepath.Glob(filepath.Join(repoRoot, glob))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, m...)
	}
	return pages
}

// commandRE finds a groundwork command line in a page: in a code span, a
// code block or a YAML list (["verify", "--timeout", "5s"] is not matched:
// examples/kubernetes has its own test).
var commandRE = regexp.MustCompile("(?:^|[\\s`(\"])(?:groundwork|go run \\./cmd/groundwork) ((?:apply|plan|verify|steps|history|demo|version)\\b[^`\\n|]*)")

// TestDocCommands: every groundwork command the pages show names a
// command that exists and only flags it has.
func TestDocCommands(t *testing.T) {
	root := (&app{mask: &masker{}}).rootCommand()
	n := 0
	for _, page := range docPages(t) {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range commandRE.FindAllStringSubmatch(string(raw), -1) {
			line := strings.TrimSpace(m[1])
			if i := strings.IndexAny(line, "#&;"); i >= 0 {
				line = line[:i]
			}
			fields := strings.Fields(line)
			cmd, rest, err := root.Find(fields)
			if err != nil {
				t.Errorf("%s: %q: %v", page, line, err)
				continue
			}
			n++
			for _, f := range rest {
				name, _, _ := strings.Cut(f, "=")
				var fl *pflag.Flag
				switch {
				case strings.HasPrefix(name, "--"):
					fl = cmd.Flags().Lookup(name[2:])
				case strings.HasPrefix(name, "-") && len(name) == 2:
					fl = cmd.Flags().ShorthandLookup(name[1:])
				default:
					continue
				}
				if fl == nil {
					t.Errorf("%s: %q: %s has no flag %s", page, line, cmd.CommandPath(), name)
				}
			}
		}
	}
	t.Logf("%d groundwork commands checked", n)
	if n < 20 {
		t.Fatalf("only %d groundwork commands found in the pages: the pattern is broken", n)
	}
}

// TestREADMEExitCodes: the README's table lists exactly the exit codes
// there are.
func TestREADMEExitCodes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+(?: / \d+)?) \|`).FindAllStringSubmatch(string(raw), -1) {
		got = append(got, strings.Split(m[1], " / ")...)
	}
	for _, c := range exitCodes {
		want = append(want, strconv.Itoa(c.code))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("README.md's exit-code table has %v, the command %v", got, want)
	}
}

// TestREADMENoOpLine: the README shows a no-op apply's whole output; it
// is what the command prints (the duration aside).
func TestREADMENoOpLine(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^apply: converged, nothing changed .*$").FindString(string(raw))
	if m == "" {
		t.Fatal("README.md shows no no-op apply line")
	}
	db := tempDB(t)
	mustCode(t, run(t, nil, "demo", "--db", db), ExitOK)
	r := run(t, demoEnv(nil), "apply", "--db", sqliteURL(db))
	mustCode(t, r, ExitOK)
	dur := regexp.MustCompile(`[0-9.]+(ms|µs|s) on `)
	if got, want := dur.ReplaceAllString(r.stdout, "D on "), dur.ReplaceAllString(m+"\n", "D on "); got != want {
		t.Fatalf("README.md shows\n%s\nthe command prints\n%s", want, r.stdout)
	}
}

// TestDocVersions: the Go versions the pages name are go.mod's and the
// Makefile's; the README's first paragraph points inside the repository.
func TestDocVersions(t *testing.T) {
	read := func(p string) string {
		raw, err := os.ReadFile(filepath.Join(repoRoot, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	gomod := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(read("go.mod"))
	toolchain := regexp.MustCompile(`(?m)^export GOTOOLCHAIN \?= go(\S+)$`).FindStringSubmatch(read("Makefile"))
	if gomod == nil || toolchain == nil {
		t.Fatal("go.mod's go line or the Makefile's GOTOOLCHAIN not found")
	}
	for _, page := range docPages(t) {
		text := read(strings.TrimPrefix(page, repoRoot+"/"))
		for _, m := range regexp.MustCompile(`Go (1\.\d+(?:\.\d+)?)( or later)?`).FindAllStringSubmatch(text, -1) {
			if m[2] != "" && m[1] != gomod[1] {
				t.Errorf("%s: %q, go.mod says go %s", page, m[0], gomod[1])
			}
			if m[2] == "" && strings.Count(m[1], ".") == 2 && m[1] != toolchain[1] && m[1] != gomod[1] {
				t.Errorf("%s: %q, the Makefile builds with go%s", page, m[0], toolchain[1])
			}
		}
	}
	readme := read("README.md")
	first := readme[:strings.Index(readme, "\n## ")]
	if strings.Contains(first, "../") {
		t.Errorf("README.md's first paragraphs point outside the repository:\n%s", first)
	}
}
