package orgaccess

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// registerModels inserts a model row for every configured model that is
// missing. An existing row is never touched: the admin may have renamed
// or disabled it.
type registerModels struct{ cfg Config }

func (r *registerModels) Info() core.StepInfo {
	return core.StepInfo{ID: RegisterStepID, Description: "register every configured model that Open WebUI does not have yet", Tags: []string{Tag}}
}

func (r *registerModels) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if missing, err := missingHost(ctx, s, r.cfg.HostWait, "model"); err != nil || len(missing) > 0 {
		return &core.Plan{Skip: hostSkip(missing)}, err
	}
	list, err := resolveModels(ctx, s, r.cfg)
	if err != nil {
		return nil, err
	}
	models, source := list.IDs, list.Source
	have, err := existing(ctx, s, "SELECT id FROM "+s.Quote("model")+" WHERE id IN ", models, nil)
	if err != nil {
		return nil, fmt.Errorf("read models: %w", err)
	}
	todo := notIn(models, have)
	// The report says where the list came from and what of the host's
	// config was skipped, on every run.
	p := &core.Plan{Notes: list.Notes}
	if len(todo) == 0 {
		return p, nil
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	cols := []string{"id", "user_id", "base_model_id", "name", "params", "meta", "is_active", "created_at", "updated_at"}
	// Parameters are bound as text: the JSON columns need a cast on
	// PostgreSQL (a no-op elsewhere).
	row := "(?, ?, ?, ?, " + data.Cast("?", core.JSON) + ", " + data.Cast("?", core.JSON) + ", ?, ?, ?)"
	var rows []string
	var args []any
	for _, m := range todo {
		meta, _ := json.Marshal(modelMeta(m))
		rows = append(rows, row)
		args = append(args, m, "system", m, DisplayName(m), "{}", string(meta), true, now, now)
	}
	p.Changes = append(p.Changes, core.Change{
		DataOnly:   true,
		Summary:    fmt.Sprintf("register %d models from the %s: %s", len(todo), source, strings.Join(todo, ", ")),
		Statements: []core.Statement{{SQL: data.InsertIgnore("model", cols, "VALUES "+strings.Join(rows, ", ")), Args: args}},
	})
	return p, nil
}

// DisplayName is the seed's "Model-Name (provider)": the part after the
// provider, each dash-separated word capitalized, then the provider.
func DisplayName(id string) string {
	provider, name, ok := strings.Cut(id, "/")
	if !ok {
		return capitalizeWords(id)
	}
	return capitalizeWords(name) + " (" + provider + ")"
}

func capitalizeWords(s string) string {
	words := strings.Split(s, "-")
	for i, w := range words {
		if r, size := utf8.DecodeRuneInString(w); size > 0 {
			words[i] = string(unicode.ToUpper(r)) + w[size:]
		}
	}
	return strings.Join(words, "-")
}

func modelMeta(id string) map[string]any {
	provider, _, _ := strings.Cut(id, "/")
	return map[string]any{
		"provider":    provider,
		"model_type":  "openrouter",
		"description": id + " via OpenRouter",
	}
}

// linkModels links every configured model to the organization, also
// models added to the configuration later. Links are inserted, never
// updated, so a link an admin deactivated stays deactivated.
type linkModels struct{ cfg Config }

func (l *linkModels) Info() core.StepInfo {
	return core.StepInfo{
		ID:          LinkStepID,
		Description: "link every configured model to the organization",
		After:       []string{OrgStepID, RegisterStepID, schema.TableID(OrgModelsTable)},
		Tags:        []string{Tag},
	}
}

// LinkID is the deterministic id of the link between an organization and
// a model: replicas racing to insert it collide on the key instead of
// inserting twice.
func LinkID(orgID, modelID string) string { return "om_" + digest(orgID, modelID) }

func digest(a, b string) string {
	h := sha256.Sum256([]byte(a + "\x00" + b))
	return hex.EncodeToString(h[:12])
}

func (l *linkModels) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if missing := l.cfg.Missing(); len(missing) > 0 {
		return &core.Plan{Skip: strings.Join(missing, ", ") + " not set: no organization to link models to"}, nil
	}
	list, err := resolveModels(ctx, s, l.cfg)
	if err != nil {
		return nil, err
	}
	models, source := list.IDs, list.Source
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var have map[string]bool
	if cat.Tables[OrgModelsTable] != nil {
		have, err = existing(ctx, s, "SELECT model_id FROM "+s.Quote(OrgModelsTable)+" WHERE organization_id = ? AND model_id IN ", models, []any{l.cfg.OrgID})
		if err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
	}
	todo := notIn(models, have)
	p := &core.Plan{Notes: list.Notes[:1]}
	if len(todo) == 0 {
		return p, nil
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	var rows []string
	var args []any
	for _, m := range todo {
		rows = append(rows, "(?, ?, ?, ?, ?, ?)")
		args = append(args, LinkID(l.cfg.OrgID, m), l.cfg.OrgID, m, 1, now, now)
	}
	p.Changes = append(p.Changes, core.Change{
		DataOnly: true,
		Summary:  fmt.Sprintf("link %d models from the %s to organization %s", len(todo), source, l.cfg.OrgID),
		Statements: []core.Statement{{
			SQL:  data.InsertIgnore(OrgModelsTable, []string{"id", "organization_id", "model_id", "is_active", "created_at", "updated_at"}, "VALUES "+strings.Join(rows, ", ")),
			Args: args,
		}},
	})
	return p, nil
}

// existing runs prefix + "(?, ?, …)" with args then ids and returns the
// set of first-column values found.
func existing(ctx context.Context, s *core.Session, prefix string, ids []string, args []any) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	all := append([]any{}, args...)
	for _, id := range ids {
		all = append(all, id)
	}
	rows, err := s.Query(ctx, prefix+"("+core.ParamList(len(ids))+")", all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		found[v] = true
	}
	return found, rows.Err()
}

// notIn returns the ids of list that are not in have, in list's order.
func notIn(list []string, have map[string]bool) []string {
	var out []string
	for _, m := range list {
		if !have[m] {
			out = append(out, m)
		}
	}
	return out
}
