// Package packfile loads step packs written as YAML instead of Go: the
// tables, indexes, views and rows of steps/schema, each with an id,
// dependencies (after) and tags. The CLI loads them with --pack FILE; a
// program with Load or Parse. The format is documented in docs/packs.md.
//
// A pack file is checked whole before any step exists: every error names
// the file, the line and the key, and wraps core.ErrInvalid. The loader
// is safe on hostile input: files over MaxSize, nesting deeper than
// MaxDepth, anchors and aliases (so no alias bomb), merge keys, duplicate
// and unknown keys, more than one document and bad identifiers are all
// errors.
package packfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/lazyre"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// MaxSize is the largest pack file accepted, in bytes.
const MaxSize = 4 << 20

// MaxDepth is the deepest nesting of mappings and lists accepted; the
// format itself needs six levels.
const MaxDepth = 16

// Error is a problem in a pack file: where, and what.
type Error struct {
	File string
	Line int    // 0 when the problem is the whole file
	Key  string // the dotted path of the key, "tables[0].columns[2].type"
	Msg  string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("packfile: %s: %s: %s", where, e.Key, e.Msg)
	}
	return fmt.Sprintf("packfile: %s: %s", where, e.Msg)
}

// Unwrap makes every Error a core.ErrInvalid.
func (e *Error) Unwrap() error { return core.ErrInvalid }

// Pack is a loaded pack file.
type Pack struct {
	// Name is the file's "pack" key.
	Name string
	// File is where it was read from.
	File string
	// Steps are the pack's steps, in file order (tables, indexes, views,
	// rows); the registry orders them by their dependencies.
	Steps []core.Step
}

// Load reads and checks the pack file at path.
func Load(path string) (*Pack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + errors.Unwrap(err).Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read: " + err.Error()}
	}
	return Parse(path, data)
}

// LoadAll loads every file and returns all their steps, in the order
// given; the first bad file is the error.
func LoadAll(paths ...string) ([]core.Step, error) {
	var steps []core.Step
	for _, p := range paths {
		pk, err := Load(p)
		if err != nil {
			return nil, err
		}
		steps = append(steps, pk.Steps...)
	}
	return steps, nil
}

// Parse checks data, the contents of the pack file named file (used in
// errors only), and returns its steps.
func Parse(file string, data []byte) (*Pack, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", MaxSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty file: want a mapping with the key pack"}
		}
		return nil, &Error{File: file, Line: yamlLine(err), Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Line: extra.Line, Msg: "more than one YAML document: a pack is one document"}
	}
	p := &parser{file: file}
	if err := p.guard(&doc, 0); err != nil {
		return nil, err
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	return p.pack(root)
}

var lineRE = lazyre.New(`line (\d+)`)

func yamlLine(err error) int {
	if m := lineRE().FindStringSubmatch(err.Error()); m != nil {
		var n int
		_, _ = fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

type parser struct{ file string }

func (p *parser) errf(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// guard rejects, before anything is read, what the format never needs and
// hostile files use: aliases and anchors, merge keys, tags outside the
// core schema, and nesting deeper than MaxDepth.
func (p *parser) guard(n *yaml.Node, depth int) error {
	if depth > MaxDepth {
		return p.errf(n, "", "nested deeper than %d levels", MaxDepth)
	}
	switch {
	case n.Kind == yaml.AliasNode:
		return p.errf(n, "", "aliases (*%s) are not allowed in a pack", n.Value)
	case n.Anchor != "":
		return p.errf(n, "", "anchors (&%s) are not allowed in a pack", n.Anchor)
	case n.Tag == "!!merge":
		return p.errf(n, "", "merge keys (<<) are not allowed in a pack")
	}
	switch n.Tag {
	case "", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!timestamp", "!":
	default:
		return p.errf(n, "", "the tag %s is not allowed in a pack", n.Tag)
	}
	for _, c := range n.Content {
		if err := p.guard(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// fields checks that n is a mapping whose keys are all known and unique,
// and returns them; required keys missing are an error.
func (p *parser) fields(n *yaml.Node, path string, required []string, optional ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, path, "want a mapping (key: value), not %s", kindName(n))
	}
	known := map[string]bool{}
	for _, k := range append(append([]string{}, required...), optional...) {
		known[k] = true
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			return nil, p.errf(k, path, "a key must be a plain word")
		}
		if !known[k.Value] {
			all := append(append([]string{}, required...), optional...)
			return nil, p.errf(k, kp, "unknown key (known keys: %s)", strings.Join(all, ", "))
		}
		if prev, dup := out[k.Value]; dup {
			return nil, p.errf(k, kp, "declared twice (first on line %d)", prev.Line)
		}
		out[k.Value] = v
	}
	for _, k := range required {
		if _, ok := out[k]; !ok {
			return nil, p.errf(n, join(path, k), "missing (required)")
		}
	}
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "nothing"
}

func (p *parser) str(n *yaml.Node, path string) (string, error) {
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, path, "want a string, not %s", kindName(n))
	}
	return n.Value, nil
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, error) {
	if n == nil {
		return false, nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, p.errf(n, path, "want true or false, not %s", kindName(n))
	}
	return b, nil
}

func (p *parser) list(n *yaml.Node, path string) ([]*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, path, "want a list, not %s", kindName(n))
	}
	return n.Content, nil
}

func (p *parser) strings(n *yaml.Node, path string) ([]string, error) {
	items, err := p.list(n, path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := p.str(it, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// idents is strings whose every item is a valid identifier.
func (p *parser) idents(n *yaml.Node, path, kind string) ([]string, error) {
	out, err := p.strings(n, path)
	if err != nil {
		return nil, err
	}
	for i, s := range out {
		if err := core.ValidateIdent(kind, s); err != nil {
			return nil, p.errf(n.Content[i], fmt.Sprintf("%s[%d]", path, i), "%s", strings.TrimPrefix(err.Error(), "model: "))
		}
	}
	return out, nil
}

func (p *parser) ident(n *yaml.Node, path, kind string) (string, error) {
	s, err := p.str(n, path)
	if err != nil {
		return "", err
	}
	if err := core.ValidateIdent(kind, s); err != nil {
		return "", p.errf(n, path, "%s", strings.TrimPrefix(err.Error(), "model: "))
	}
	return s, nil
}

// common reads the keys every entry has: id, after, tags, description.
func (p *parser) common(f map[string]*yaml.Node, path string, packTags []string) ([]schema.Option, error) {
	var opts []schema.Option
	if n := f["id"]; n != nil {
		id, err := p.str(n, join(path, "id"))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(id) == "" || strings.TrimSpace(id) != id || len(id) > 200 {
			return nil, p.errf(n, join(path, "id"), "an id is 1 to 200 characters without leading or trailing spaces")
		}
		opts = append(opts, schema.ID(id))
	}
	after, err := p.strings(f["after"], join(path, "after"))
	if err != nil {
		return nil, err
	}
	if len(after) > 0 {
		opts = append(opts, schema.After(after...))
	}
	tags, err := p.strings(f["tags"], join(path, "tags"))
	if err != nil {
		return nil, err
	}
	if all := append(append([]string{}, packTags...), tags...); len(all) > 0 {
		opts = append(opts, schema.Tags(all...))
	}
	if n := f["description"]; n != nil {
		d, err := p.str(n, join(path, "description"))
		if err != nil {
			return nil, err
		}
		opts = append(opts, schema.Describe(d))
	}
	return opts, nil
}

var commonKeys = []string{"id", "after", "tags", "description"}

func (p *parser) pack(root *yaml.Node) (*Pack, error) {
	f, err := p.fields(root, "", []string{"pack"}, "tags", "tables", "indexes", "views", "rows")
	if err != nil {
		return nil, err
	}
	name, err := p.str(f["pack"], "pack")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, p.errf(f["pack"], "pack", "the pack needs a name")
	}
	tags, err := p.strings(f["tags"], "tags")
	if err != nil {
		return nil, err
	}
	pk := &Pack{Name: name, File: p.file}
	tables := map[string]bool{}
	lines := map[string]int{}
	add := func(st core.Step, n *yaml.Node, path string) error {
		if v, ok := st.(core.Validator); ok {
			if err := v.Validate(); err != nil {
				return p.errf(n, path, "%s", err.Error())
			}
		}
		id := st.Info().ID
		if prev, dup := lines[id]; dup {
			return p.errf(n, path, "step id %q is declared twice in this pack (first on line %d)", id, prev)
		}
		lines[id] = n.Line
		pk.Steps = append(pk.Steps, st)
		return nil
	}
	items, err := p.list(f["tables"], "tables")
	if err != nil {
		return nil, err
	}
	for i, n := range items {
		path := fmt.Sprintf("tables[%d]", i)
		st, t, err := p.table(n, path, tags)
		if err != nil {
			return nil, err
		}
		tables[t] = true
		if err := add(st, n, path); err != nil {
			return nil, err
		}
	}
	// An index or rows entry on a table of this pack runs after it without
	// saying so: that dependency is never wrong.
	auto := func(table string) []schema.Option {
		if tables[table] {
			return []schema.Option{schema.After(schema.TableID(table))}
		}
		return nil
	}
	if items, err = p.list(f["indexes"], "indexes"); err != nil {
		return nil, err
	}
	for i, n := range items {
		path := fmt.Sprintf("indexes[%d]", i)
		st, err := p.index(n, path, tags, auto)
		if err != nil {
			return nil, err
		}
		if err := add(st, n, path); err != nil {
			return nil, err
		}
	}
	if items, err = p.list(f["views"], "views"); err != nil {
		return nil, err
	}
	for i, n := range items {
		path := fmt.Sprintf("views[%d]", i)
		st, err := p.view(n, path, tags)
		if err != nil {
			return nil, err
		}
		if err := add(st, n, path); err != nil {
			return nil, err
		}
	}
	if items, err = p.list(f["rows"], "rows"); err != nil {
		return nil, err
	}
	for i, n := range items {
		path := fmt.Sprintf("rows[%d]", i)
		st, err := p.rows(n, path, tags, auto)
		if err != nil {
			return nil, err
		}
		if err := add(st, n, path); err != nil {
			return nil, err
		}
	}
	return pk, nil
}
