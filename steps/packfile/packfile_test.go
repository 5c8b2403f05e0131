package packfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/packfile"
)

const good = `pack: demo
tags: [demo]
tables:
  - name: t
    columns:
      - {name: k, type: text, not_null: true}
      - {name: v, type: integer, default: 1}
    primary_key: [k]
indexes:
  - {name: idx_t_v, table: t, columns: [v]}
views:
  - {name: vw, query: "SELECT {{k}} FROM {{t}}", after: [table:t]}
rows:
  - {table: t, key: [k], mode: upsert, values: [{k: a, v: 2}, {k: b, v: null}]}
`

func TestParseGood(t *testing.T) {
	pk, err := packfile.Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range pk.Steps {
		ids = append(ids, st.Info().ID)
		if !strings.Contains(strings.Join(st.Info().Tags, ","), "demo") {
			t.Errorf("step %s lacks the pack's tag", st.Info().ID)
		}
	}
	if got := strings.Join(ids, " "); got != "table:t index:idx_t_v view:vw rows:t" {
		t.Fatalf("steps: %s", got)
	}
	if after := pk.Steps[1].Info().After; len(after) != 1 || after[0] != "table:t" {
		t.Fatalf("the index does not run after its table: %v", after)
	}
	if _, err := core.NewRegistry(pk.Steps...); err != nil {
		t.Fatal(err)
	}
}

// TestErrors: each bad file is an *Error naming the file, the line and the
// key, and wraps core.ErrInvalid.
func TestErrors(t *testing.T) {
	for name, c := range map[string]struct{ file, want string }{
		"unknown top key":    {"pack: x\ntabels: []\n", "bad.yaml:2: tabels: unknown key"},
		"unknown column key": {"pack: x\ntables:\n  - name: t\n    columns:\n      - {name: a, type: text, nullable: true}\n", "bad.yaml:5: tables[0].columns[0].nullable: unknown key"},
		"duplicate key":      {"pack: x\npack: y\n", "bad.yaml:2: pack: declared twice (first on line 1)"},
		"duplicate row col":  {"pack: x\nrows:\n  - table: t\n    key: [k]\n    values:\n      - {k: a, k: b}\n", "bad.yaml:6: rows[0].values[0].k: declared twice"},
		"bad type":           {"pack: x\ntables:\n  - name: t\n    columns:\n      - {name: a, type: varchar}\n", `bad.yaml:5: tables[0].columns[0].type: unknown type "varchar"`},
		"bad table name":     {"pack: x\ntables:\n  - name: sqlite_master\n    columns: [{name: a, type: text}]\n", "bad.yaml:3: tables[0].name: table name"},
		"quote in name":      {"pack: x\nindexes:\n  - {name: \" ix\", table: t, columns: [a]}\n", "bad.yaml:3: indexes[0].name: index name"},
		"bad view ident":     {"pack: x\nviews:\n  - {name: v, query: \"SELECT {{ a }} FROM {{sqlite_x}}\"}\n", "bad.yaml:3: views[0].query: {{sqlite_x}}"},
		"missing required":   {"pack: x\ntables:\n  - name: t\n", "bad.yaml:3: tables[0].columns: missing"},
		"no pack name":       {"tables: []\n", "bad.yaml:1: pack: missing"},
		"bad mode":           {"pack: x\nrows:\n  - {table: t, key: [k], mode: overwrite, values: []}\n", `bad.yaml:3: rows[0].mode: unknown mode "overwrite"`},
		"duplicate row key":  {"pack: x\nrows:\n  - {table: t, key: [k], values: [{k: a}, {k: a}]}\n", "bad.yaml:3: rows[0]: steps/schema: rows of t: rows 1 and 2 have the same key"},
		"duplicate id":       {"pack: x\nindexes:\n  - {name: a, table: t, columns: [c], id: same}\n  - {name: b, table: t, columns: [c], id: same}\n", `bad.yaml:4: indexes[1]: step id "same" is declared twice`},
		"wrong kind":         {"pack: x\ntables: {name: t}\n", "bad.yaml:2: tables: want a list"},
		"not a bool":         {"pack: x\nindexes:\n  - {name: a, table: t, columns: [c], unique: yes please}\n", "bad.yaml:3: indexes[0].unique: want true or false"},
		"huge integer":       {"pack: x\nrows:\n  - {table: t, key: [k], values: [{k: 99999999999999999999999}]}\n", "bad.yaml:3: rows[0]: steps/schema: rows of t: row 1: key column \"k\" has a value of type float64"},
		"syntax error":       {"pack: x\ntables: [\n", "bad.yaml:"},
		"two documents":      {"pack: x\n---\npack: y\n", "more than one YAML document"},
		"empty":              {"", "empty file"},
		"not a mapping":      {"- a\n- b\n", "bad.yaml:1: want a mapping"},
		"binary tag":         {"pack: !!binary aGVsbG8=\n", "the tag !!binary is not allowed"},
		"custom tag":         {"pack: !evil x\n", "the tag !evil is not allowed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := packfile.Parse("bad.yaml", []byte(c.file))
			var pe *packfile.Error
			if !errors.As(err, &pe) || !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want a packfile.Error wrapping ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

// TestHostile: files built to exhaust a parser are refused quickly and
// with a clear error.
func TestHostile(t *testing.T) {
	bomb := "pack: x\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for i := 0; i < 9; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = name
	}
	for name, c := range map[string]struct{ file, want string }{
		"alias bomb":       {bomb, "anchors (&a) are not allowed"},
		"alias":            {"pack: x\ntags: *t\n", "bad.yaml:"},
		"merge key":        {"pack: x\ntables:\n  - <<: {name: t}\n    columns: []\n", "not allowed"},
		"deep nesting":     {"pack: x\ntags: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", "nested deeper than"},
		"deeper than yaml": {"pack: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", "bad.yaml"},
		"huge":             {"pack: x\n" + "#" + strings.Repeat("x", packfile.MaxSize) + "\n", "larger than"},
		"many rows":        {"pack: x\nrows:\n  - {table: t, key: [k], values: [" + strings.Repeat("{k: 1}, ", 1000) + "]}\n", "have the same key"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := packfile.Parse("bad.yaml", []byte(c.file))
			if !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	steps, err := packfile.LoadAll(path)
	if err != nil || len(steps) != 4 {
		t.Fatalf("LoadAll: %d steps, %v", len(steps), err)
	}
	if _, err := packfile.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("pack: x\n#"+strings.Repeat("x", packfile.MaxSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := packfile.Load(big); !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big file: %v", err)
	}
}
