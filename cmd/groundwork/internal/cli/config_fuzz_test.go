package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/groundworkdb/groundwork/core"
)

// The config file parser under the fuzzer. Seed corpora live in
// testdata/fuzz/<FuzzName>/ and run with every `go test ./...`; run
// `go test ./cmd/groundwork/internal/cli -run '^$' -fuzz FuzzConfigFile
// -fuzztime 60s` (and likewise the others) to look for more.

// fileKeys are the keys of the YAML file, read off fileConfig so the test
// follows every setting added.
func fileKeys() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeOf(fileConfig{})
	for i := 0; i < t.NumField(); i++ {
		keys[t.Field(i).Tag.Get("yaml")] = true
	}
	return keys
}

// writeConfig writes data to the file groundwork.yaml in dir (one per
// fuzz target: a worker runs one input at a time) and returns its path.
func writeConfig(t *testing.T, dir string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, "groundwork.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// topKeys are the keys of the top-level mapping of data's first document,
// as yaml.v3 reads them independently of fileConfig (merge keys left out:
// they bring in another mapping's keys, which yaml.v3 checks itself); docs
// is the number of documents, and ok whether data is well-formed YAML.
func topKeys(data []byte) (keys []string, docs int, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for ; ; docs++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return keys, docs, true
		}
		if err != nil {
			return nil, docs, false
		}
		if docs > 0 || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i]; k.Tag != "!!merge" {
				keys = append(keys, k.Value)
			}
		}
	}
}

// checkConfigError asserts the shape every config file error has: the
// package prefix, the file's path, and core.ErrInvalid (exit code 2).
func checkConfigError(t *testing.T, path string, err error) {
	t.Helper()
	if !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("error %q does not wrap core.ErrInvalid", err)
	}
	if !strings.HasPrefix(err.Error(), "cli: config file "+path) {
		t.Fatalf("error %q does not start with the file's path %s", err, path)
	}
}

// FuzzConfigFile: any bytes as a config file never panic; an error names
// the file; malformed YAML and a second document are errors; a top-level
// key that is not a setting is always an error naming the key; what is
// read comes from known keys, each naming the file and the key.
func FuzzConfigFile(f *testing.F) {
	dir := f.TempDir()
	f.Add([]byte("db: sqlite://x.db\nwait: 30s\nmodels: [a/b, c/d]\n"))
	f.Add([]byte("bogus: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeConfig(t, dir, data)
		got, err := readConfigFile(path) // must not panic
		known := fileKeys()
		keys, docs, wellFormed := topKeys(data)
		var unknown []string
		for _, k := range keys {
			if !known[k] {
				unknown = append(unknown, k)
			}
		}
		if err != nil {
			checkConfigError(t, path, err)
		}
		if !wellFormed || docs > 1 {
			if err == nil {
				t.Fatalf("malformed YAML or more than one document %q accepted: %v", data, got)
			}
			return
		}
		if len(unknown) > 0 {
			if err == nil {
				t.Fatalf("unknown keys %q accepted in %q", unknown, data)
			}
			// yaml.v3 stops at the first problem of a document, which may
			// be another one (a bad merge, say); an error about a key
			// names one that is unknown. FuzzConfigUnknownKey checks that
			// a lone unknown key is always named.
			if strings.Contains(err.Error(), "unknown key") {
				named := false
				for _, k := range unknown {
					named = named || strings.Contains(err.Error(), "unknown key "+strconv.Quote(k))
				}
				if !named {
					t.Fatalf("error %q names none of the unknown keys %q", err, unknown)
				}
			}
			return
		}
		if err != nil {
			return // a known key with a value that is not text or a list
		}
		for k, v := range got {
			if !known[k] {
				t.Fatalf("read unknown key %q from %q", k, data)
			}
			if !strings.Contains(v.from, path) || !strings.Contains(v.from, k) {
				t.Fatalf("key %q: where it came from (%q) names not the file and the key", k, v.from)
			}
		}
	})
}

// FuzzConfigRoundTrip: settings written as YAML by a YAML library are
// read back exactly: every string value, every model of a list.
func FuzzConfigRoundTrip(f *testing.F) {
	dir := f.TempDir()
	f.Add("postgres://u:p@h/db", "Acme 'Dev' \"Org\" ✓", "sk-or-v1-x", "openai/o3", " x-ai/grok-4 ")
	f.Add("null", "~", "true", "#", "- a")
	f.Add("", "\t", "\n", "a: b", "[x]")
	f.Fuzz(func(t *testing.T, db, name, key, m1, m2 string) {
		for _, s := range []string{db, name, key, m1, m2} {
			if !utf8.ValidString(s) {
				return // YAML holds text; yaml.v3 writes other bytes as !!binary, refused on reading
			}
		}
		want := map[string]any{"db": db, "org-name": name, "api-key": key, "models": []string{m1, m2}}
		data, err := yaml.Marshal(want)
		if err != nil {
			t.Skip("yaml.v3 cannot write it:", err)
		}
		var back struct {
			DB      string   `yaml:"db"`
			OrgName string   `yaml:"org-name"`
			APIKey  string   `yaml:"api-key"`
			Models  []string `yaml:"models"`
		}
		if err := yaml.Unmarshal(data, &back); err != nil || back.APIKey != key || back.DB != db || back.OrgName != name ||
			len(back.Models) != 2 || back.Models[0] != m1 || back.Models[1] != m2 {
			// Not ours to fix: yaml.v3 wrote what it does not read back
			// (a lone "\n" as an empty |4+ block, "\n#0" as an empty
			// |4- block, for two).
			t.Skip("yaml.v3 does not read back what it wrote")
		}
		path := writeConfig(t, dir, data)
		got, err := readConfigFile(path)
		if err != nil {
			t.Fatalf("valid file %q: %v", data, err)
		}
		for _, k := range []string{"db", "org-name", "api-key"} {
			if got[k].text != want[k] {
				t.Fatalf("%s: read %q, wrote %q (file %q)", k, got[k].text, want[k], data)
			}
		}
		if gm := got["models"].list; len(gm) != 2 || gm[0] != strings.TrimSpace(m1) || gm[1] != strings.TrimSpace(m2) {
			t.Fatalf("models: read %q, wrote %q and %q (file %q)", gm, m1, m2, data)
		}
	})
}

// FuzzConfigUnknownKey: a key that is not a setting, whatever its text,
// is an error naming it and the file; a setting's own key never is.
func FuzzConfigUnknownKey(f *testing.F) {
	dir := f.TempDir()
	f.Add("bogus", "1")
	f.Add("DB", "x")
	f.Add("a not found in type b", "x")
	f.Add("log_level", "debug")
	f.Fuzz(func(t *testing.T, key, value string) {
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			return
		}
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "db"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: "sqlite://x.db"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: value},
		}}
		data, err := yaml.Marshal(doc)
		if err != nil {
			t.Skip("yaml.v3 cannot write it:", err)
		}
		var back yaml.Node
		if err := yaml.Unmarshal(data, &back); err != nil || len(back.Content) != 1 || len(back.Content[0].Content) != 4 ||
			back.Content[0].Content[2].Value != key || back.Content[0].Content[3].Value != value {
			t.Skip("yaml.v3 does not read back what it wrote") // not ours to fix
		}
		path := writeConfig(t, dir, data)
		got, err := readConfigFile(path)
		if key == "db" {
			if err == nil || !strings.Contains(err.Error(), "already defined") {
				t.Fatalf("a key given twice: %v", err)
			}
			return
		}
		if fileKeys()[key] {
			if err != nil {
				t.Fatalf("known key %q refused: %v", key, err)
			}
			if got[key].text != value {
				t.Fatalf("known key %q: read %q, wrote %q", key, got[key].text, value)
			}
			return
		}
		if err == nil {
			t.Fatalf("unknown key %q accepted (file %q)", key, data)
		}
		checkConfigError(t, path, err)
		if !strings.Contains(err.Error(), "unknown key "+strconv.Quote(key)) {
			t.Fatalf("error %q does not name the unknown key %q", err, key)
		}
	})
}
