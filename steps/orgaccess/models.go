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
		return hostSkip(missing), err
	}
	list, err := resolveModels(ctx, s, r.cfg)
	if err != nil {
		return nil, err
	}
	models, source := list.IDs, list.Source
	// The converged case is the prefetched set of linked models (sets.go)
	// or one count per part, prefetched (reads.go); only a shortfall
	// reads which ids are there.
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if set, ok := registeredSetRead(s, cat, r.cfg); ok && inSet(ctx, s, set, models) {
		return &core.Plan{Notes: list.Notes}, nil
	}
	n, err := counted(ctx, s, modelCountReads(s, models))
	if err != nil {
		return nil, fmt.Errorf("read models: %w", err)
	}
	if n == int64(len(models)) {
		return &core.Plan{Notes: list.Notes}, nil
	}
	have := map[string]bool{}
	if n > 0 {
		if have, err = existing(ctx, s, "SELECT id FROM "+s.Quote("model")+" WHERE ", "id", models, nil); err != nil {
			return nil, fmt.Errorf("read models: %w", err)
		}
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
	// A row equal to an id only under the collation is one the IN above
	// returned: with none returned there is nothing to look for (a cold
	// start's 1,000 models skip 3 unions of 333 branches).
	if len(have) > 0 {
		if todo, err = dropCollated(ctx, s, data, p, "model", "id", "", nil, todo); err != nil {
			return nil, fmt.Errorf("read models: %w", err)
		}
	}
	if len(todo) == 0 {
		return p, nil
	}
	now := time.Now().Unix()
	rows := make([][]string, len(todo))
	for i, m := range todo {
		meta, _ := json.Marshal(modelMeta(m))
		rows[i] = []string{m, m, DisplayName(m), string(meta)}
	}
	stmts := insertRows(s, data, "model",
		[]column{{name: "id", typ: core.Text}, {name: "base_model_id", typ: core.Text}, {name: "name", typ: core.Text}, {name: "meta", typ: core.JSON}},
		[]column{{"user_id", core.Text, "system"}, {"params", core.JSON, "{}"}, {"is_active", core.Boolean, true}, {"created_at", core.BigInt, now}, {"updated_at", core.BigInt, now}},
		rows)
	p.Changes = append(p.Changes, core.Change{
		DataOnly: true, Convergence: true, Count: int64(len(todo)),
		Summary:    fmt.Sprintf("register %d models from the %s: %s", len(todo), source, fewIDs(todo)),
		Statements: stmts,
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
		if set, ok := linkedSetRead(s, l.cfg); ok && inSet(ctx, s, set, models) {
			return &core.Plan{Notes: list.Notes[:1]}, nil
		}
		n, err := counted(ctx, s, linkCountReads(s, l.cfg.OrgID, models))
		if err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
		if n == int64(len(models)) {
			return &core.Plan{Notes: list.Notes[:1]}, nil
		}
		// None counted: no link to read (a cold start's).
		if n > 0 {
			if have, err = existing(ctx, s, "SELECT model_id FROM "+s.Quote(OrgModelsTable)+" WHERE organization_id = ? AND ", "model_id", models, []any{l.cfg.OrgID}); err != nil {
				return nil, fmt.Errorf("read links: %w", err)
			}
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
	if len(have) > 0 { // as in registerModels.Check
		todo, err = dropCollated(ctx, s, data, p, OrgModelsTable, "model_id", "organization_id = ?", []any{l.cfg.OrgID}, todo)
		if err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
		if len(todo) == 0 {
			return p, nil
		}
	}
	now := time.Now().Unix()
	rows := make([][]string, len(todo))
	for i, m := range todo {
		rows[i] = []string{LinkID(l.cfg.OrgID, m), m}
	}
	stmts := insertRows(s, data, OrgModelsTable,
		[]column{{name: "id", typ: core.Text}, {name: "model_id", typ: core.Text}},
		[]column{{"organization_id", core.Text, l.cfg.OrgID}, {"is_active", core.Integer, 1}, {"created_at", core.BigInt, now}, {"updated_at", core.BigInt, now}},
		rows)
	p.Changes = append(p.Changes, core.Change{
		DataOnly: true, Convergence: true, Count: int64(len(todo)),
		Summary:    fmt.Sprintf("link %d models from the %s to organization %s: %s", len(todo), source, l.cfg.OrgID, fewIDs(todo)),
		Statements: stmts,
	})
	return p, nil
}

// maxParams is the most bound parameters one statement carries: far
// below every dialect's limit (SQLite's SQLITE_MAX_VARIABLE_NUMBER, 32766
// in modernc.org/sqlite; 65535 on PostgreSQL and MySQL), so any number of
// configured models is a few statements, never "too many SQL variables";
// and small, because modernc.org/sqlite binds each parameter by scanning
// all the arguments (30,000 a statement made 10,000 models cost seconds).
const maxParams = 1000

// chunk cuts list into parts of at most per items.
func chunk[T any](list []T, per int) [][]T {
	var out [][]T
	for len(list) > per {
		out = append(out, list[:per:per])
		list = list[per:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// maxUnion is the most SELECTs one compound statement joins: SQLite's
// SQLITE_MAX_COMPOUND_SELECT is 500.
const maxUnion = 400

// idsShown is how many ids a summary or an error names before "and N
// more": a line stays readable with 10,000 models.
const idsShown = 3

// fewIDs names the first idsShown ids and counts the rest.
func fewIDs(ids []string) string {
	if len(ids) <= idsShown {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:idsShown], ", "), len(ids)-idsShown)
}

// dropCollated removes from todo the ids that the database compares
// equal to a value col already holds (MySQL's default collations ignore
// case and trailing spaces: "OpenAI/GPT-4o " is the row "openai/gpt-4o"
// there), noting each on the plan: inserting them would be skipped as a
// duplicate on every run, and the step would never converge. Each id is
// compared with the column directly (col = ?), so the column's collation
// decides, and never a mix of two. where, when set, narrows the rows.
func dropCollated(ctx context.Context, s *core.Session, data core.DataSQL, p *core.Plan, table, col, where string, whereArgs []any, todo []string) ([]string, error) {
	stored := map[string]string{}
	q := s.Quote(col)
	branch := "SELECT " + data.Cast("?", core.Text) + ", " + q + " FROM " + s.Quote(table) + " WHERE " + q + " = ?"
	if where != "" {
		branch += " AND " + where
	}
	for _, part := range chunk(todo, min(maxParams/(2+len(whereArgs)), maxUnion)) {
		branches := make([]string, len(part))
		var args []any
		for i, id := range part {
			branches[i] = branch
			args = append(append(args, id, id), whereArgs...)
		}
		rows, err := s.Query(ctx, strings.Join(branches, " UNION ALL "), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var want, have string
			if err := rows.Scan(&want, &have); err != nil {
				rows.Close()
				return nil, err
			}
			stored[want] = have
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out, collided []string
	for _, id := range todo {
		have, ok := stored[id]
		if !ok {
			out = append(out, id)
			continue
		}
		collided = append(collided, fmt.Sprintf("%q (stored as %q)", id, have))
	}
	if len(collided) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d configured model ids equal a row of %s only under the database's collation (case or trailing spaces), kept as stored: %s",
			len(collided), table, fewIDs(collided)))
	}
	return out, nil
}

// existing runs prefix + "col IN (…)" with args then ids, in as few
// queries as the list's parameters need (inParts), and returns the set of
// first-column values found.
func existing(ctx context.Context, s *core.Session, prefix, col string, ids []string, args []any) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	for _, part := range inParts(s, col, ids, maxParams-len(args)) {
		if err := collect(ctx, s, prefix+part.pred, append(append([]any{}, args...), part.args...), found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// inPart is one IN predicate of a list and its arguments.
type inPart struct {
	pred string
	args []any
}

// inParts renders "col IN (…)" for ids: the whole list as one bound
// parameter when the dialect binds lists (core.ListBinder), otherwise
// one placeholder per id, in parts of at most room.
func inParts(s *core.Session, col string, ids []string, room int) []inPart {
	if len(ids) == 0 {
		return nil
	}
	if pred, args := core.InList(s.Driver, col, ids); len(args) <= room {
		return []inPart{{pred, args}}
	}
	var out []inPart
	for _, part := range chunk(ids, room) {
		pred, args := core.ParamIn(col, part)
		out = append(out, inPart{pred, args})
	}
	return out
}

func collect(ctx context.Context, s *core.Session, query string, args []any, found map[string]bool) error {
	rows, err := s.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		found[v] = true
	}
	return rows.Err()
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
