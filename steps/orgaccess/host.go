package orgaccess

import (
	"context"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// Layouts of Open WebUI's config table.
const (
	// LayoutNone: the host has no config table (yet).
	LayoutNone = "none"
	// LayoutSingleRow is the layout up to 0.9: one row
	// (id, data JSON, version, created_at, updated_at), settings nested in
	// data ("openai" → "api_configs" → …); Open WebUI reads the row with
	// the highest id.
	LayoutSingleRow = "one row of JSON"
	// LayoutPerKey is the layout from 0.10: config(key, value JSON,
	// updated_at), one row per setting ("openai.api_configs", …).
	LayoutPerKey = "one row per key"
	// LayoutUnknown: a config table with neither shape.
	LayoutUnknown = "unknown"
)

// Generations of Open WebUI, as the catalog tells them apart.
const (
	// Generation06 is 0.6 and earlier: config one row of JSON, no
	// access_grant table.
	Generation06 = "0.6"
	// Generation08 is 0.8 and 0.9: access_grant exists, config is still
	// one row of JSON.
	Generation08 = "0.8"
	// Generation010 is 0.10 and later: config one row per key.
	Generation010 = "0.10"
)

// knownRevisions are alembic heads of releases whose schema this project
// holds (steps/orgaccess/openwebuitest), for the report.
var knownRevisions = map[string]string{
	"37f288994c47": "v0.6.40",
	"42e2978c7933": "v0.10.2",
}

// Host is what the pack knows about the Open WebUI database it runs on,
// read once per run (ReadHost).
type Host struct {
	// Generation is Generation06, Generation08 or Generation010, or ""
	// when the host's tables do not exist yet.
	Generation string `json:"generation"`
	// Revision is the alembic head(s) in alembic_version, "" when the
	// table is missing or empty.
	Revision string `json:"revision,omitempty"`
	// Release is the release the revision is known to be, else "".
	Release string `json:"release,omitempty"`
	// ConfigLayout is one of the Layout constants.
	ConfigLayout string `json:"config_layout"`
}

// String names the host for reports: "Open WebUI v0.10.2, alembic
// 42e2978c7933, config one row per key".
func (h Host) String() string {
	if h.Generation == "" {
		return "no Open WebUI tables yet"
	}
	name := "Open WebUI " + h.Generation + (map[string]string{Generation06: " or earlier", Generation08: "–0.9", Generation010: " or later"})[h.Generation]
	if h.Release != "" {
		name = "Open WebUI " + h.Release
	}
	what := []string{name}
	if h.Revision != "" {
		what = append(what, "alembic "+h.Revision)
	}
	what = append(what, "config "+h.ConfigLayout)
	return strings.Join(what, ", ")
}

type hostKey struct{}

// ReadHost detects the host's generation from the catalog and its
// alembic revision, once per run (the result is shared through
// Session.Memo).
func ReadHost(ctx context.Context, s *core.Session) (Host, error) {
	v, err := s.Memo(hostKey{}, func() (any, error) { return readHost(ctx, s) })
	if err != nil {
		return Host{}, err
	}
	return v.(Host), nil
}

func readHost(ctx context.Context, s *core.Session) (Host, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return Host{}, err
	}
	h := Host{ConfigLayout: configLayout(cat.Tables["config"])}
	switch {
	case h.ConfigLayout == LayoutPerKey:
		h.Generation = Generation010
	case cat.Tables["access_grant"] != nil:
		h.Generation = Generation08
	case cat.Tables["user"] != nil || cat.Tables["model"] != nil || cat.Tables["config"] != nil:
		h.Generation = Generation06
	}
	rev, err := sessionRevision(ctx, s, cat)
	if err != nil {
		return Host{}, err
	}
	h.Revision = strings.Join(rev.Revisions, ",")
	if len(rev.Revisions) == 1 {
		h.Release = knownRevisions[rev.Revisions[0]]
	}
	return h, nil
}

func configLayout(t *core.TableState) string {
	switch {
	case t == nil:
		return LayoutNone
	case t.Column("key") != nil && t.Column("value") != nil:
		return LayoutPerKey
	case t.Column("id") != nil && t.Column("data") != nil:
		return LayoutSingleRow
	}
	return LayoutUnknown
}
