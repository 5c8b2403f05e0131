package cli

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the settings table of docs/configuration.md")

const (
	docPath    = "../../../../docs/configuration.md"
	tableBegin = "<!-- settings:begin (generated from cmd/groundwork/internal/cli/config.go: go test ./cmd/groundwork/internal/cli -run TestConfigurationDoc -update) -->"
	tableEnd   = "<!-- settings:end -->"
)

// settingsTable renders settingsSpec as the markdown table of the docs.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| flag | environment | config file key | default | description |\n")
	b.WriteString("|---|---|---|---|---|\n")
	b.WriteString("| `--config` | `" + configEnv + "` | – | none | YAML file of settings; keys are the flag names below; an unknown key is an error naming it and the file |\n")
	for _, s := range settingsSpec {
		var envs []string
		for _, e := range s.envs {
			envs = append(envs, "`"+e+"`")
		}
		def := "none"
		if s.def != "" {
			def = "`" + s.def + "`"
		}
		desc := strings.ReplaceAll(s.usage, "***", "`***`")
		if s.choices != nil {
			desc += "; one of " + choiceList(s.choices)
		}
		if s.secret {
			desc += ". **Secret: shown as `***`.**"
		}
		flagName := "`--" + s.name + "`"
		if s.name == "output" {
			flagName += ", `-o`"
		}
		key := "`" + s.name + "`"
		if s.kind == kindList {
			key += " (list)"
		}
		b.WriteString("| " + flagName + " | " + strings.Join(envs, ", ") + " | " + key + " | " + def + " | " +
			strings.ReplaceAll(desc, "|", "\\|") + " |\n")
	}
	return b.String()
}

func TestConfigurationDoc(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q and %q not found", docPath, tableBegin, tableEnd)
	}
	want := doc[:i+len(tableBegin)] + "\n" + settingsTable() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: the settings table is out of date; run go test ./cmd/groundwork/internal/cli -run TestConfigurationDoc -update", docPath)
}
