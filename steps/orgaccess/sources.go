package orgaccess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// Model sources, as the report names them.
const (
	SourceExplicit = "explicit list"
	SourceConfig   = "Open WebUI config"
	SourceBuiltin  = "built-in list"
)

// Models is the configured model list of a run and where it came from.
type Models struct {
	IDs    []string
	Source string
	// Notes say which source was used, on which host, and name every
	// entry of the host's config that was skipped.
	Notes []string
}

// resolveModels returns the configured models: the explicit list; else
// the models Open WebUI serves from the stored model_ids of its
// connections (ModelsFromSettings), read once per run; else, only when
// the host has stored no OpenAI connection settings at all (a new
// install), BuiltinModels. A config that exists but yields no model gives
// none: the built-in list is never a fallback for it.
func resolveModels(ctx context.Context, s *core.Session, cfg Config) (Models, error) {
	if len(cfg.Models) > 0 {
		ids, err := cleanModels(cfg.Models)
		return Models{IDs: ids, Source: SourceExplicit, Notes: []string{fmt.Sprintf("models from the %s: %d", SourceExplicit, len(ids))}}, err
	}
	// Registering and linking both need the list: read the host once.
	v, err := s.Memo(modelsKey{}, func() (any, error) { return modelsFromHost(ctx, s) })
	if err != nil {
		return Models{}, err
	}
	return v.(Models), nil
}

type modelsKey struct{}

// modelsFromHost reads the model list from Open WebUI's config table, in
// the layout of the host's generation.
func modelsFromHost(ctx context.Context, s *core.Session) (Models, error) {
	host, err := ReadHost(ctx, s)
	if err != nil {
		return Models{}, err
	}
	settings, notes, err := readSettings(ctx, s, host)
	if err != nil {
		return Models{}, err
	}
	if settings == nil && len(notes) == 0 {
		return Models{IDs: BuiltinModels, Source: SourceBuiltin, Notes: []string{fmt.Sprintf(
			"models from the %s: %d (host: %s; no OpenAI connection settings stored: a new install)", SourceBuiltin, len(BuiltinModels), host)}}, nil
	}
	ids, more := ModelsFromSettings(settings)
	notes = append(notes, more...)
	count := fmt.Sprint(len(ids))
	if len(ids) == 0 {
		count = "none, so nothing is registered or linked from it"
	}
	head := fmt.Sprintf("models from the %s: %s (host: %s)", SourceConfig, count, host)
	// Malformed entries are worth a warning; the rest (a disabled
	// connection, a stale key) is how Open WebUI is meant to be used.
	var skipped []string
	for _, n := range notes {
		if strings.Contains(n, "skipped") || strings.Contains(n, "no models taken") {
			skipped = append(skipped, n)
		}
	}
	if len(skipped) > 0 {
		s.Logger.Warn("entries of Open WebUI's config skipped", "models", len(ids), "skipped", skipped)
	}
	return Models{IDs: ids, Source: SourceConfig, Notes: append([]string{head}, notes...)}, nil
}

// readSettings returns the stored OpenAI connection settings by key, as
// raw JSON, or nil when none is stored. A config that cannot be read at
// all gives no settings and a note saying why.
func readSettings(ctx context.Context, s *core.Session, host Host) (map[string][]byte, []string, error) {
	switch host.ConfigLayout {
	case LayoutPerKey:
		return perKeySettings(ctx, s)
	case LayoutSingleRow:
		return singleRowSettings(ctx, s)
	case LayoutUnknown:
		return nil, []string{"table config has neither (id, data) nor (key, value): a layout groundwork does not know; no models taken from it"}, nil
	}
	return nil, nil, nil
}

// perKeySettings reads 0.10's config(key, value): one row per setting.
func perKeySettings(ctx context.Context, s *core.Session) (map[string][]byte, []string, error) {
	if s.HasRead(perKeyConfigRead(s, openAIKeys[0])) {
		return perKeyReads(ctx, s)
	}
	// A few fixed keys: one placeholder each.
	in, args := core.ParamIn(s.Quote("key"), openAIKeys)
	rows, err := s.Query(ctx, "SELECT "+s.Quote("key")+", "+castText(s, "value")+" FROM "+s.Quote("config")+" WHERE "+in, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	defer rows.Close()
	var out map[string][]byte
	for rows.Next() {
		var k string
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, nil, fmt.Errorf("read config: %w", err)
		}
		out = withSetting(out, k, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	return out, nil, nil
}

// perKeyReads is perKeySettings from the prefetched reads, one per key.
func perKeyReads(ctx context.Context, s *core.Session) (map[string][]byte, []string, error) {
	var out map[string][]byte
	var pending error
	for _, k := range openAIKeys {
		var v sql.NullString
		err := s.ReadRow(ctx, perKeyConfigRead(s, k), &v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case errors.Is(err, core.ErrReadPending):
			pending = err // declare every key's read, then say so
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("read config: %w", err)
		}
		out = withSetting(out, k, v)
	}
	return out, nil, pending
}

// singleRowSettings reads the newest row of the config table up to 0.9,
// as Open WebUI does (highest id), and takes data.openai's settings.
func singleRowSettings(ctx context.Context, s *core.Session) (map[string][]byte, []string, error) {
	var data sql.NullString
	err := s.ReadRow(ctx, singleRowConfigRead(s), &data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data.String), &doc); err != nil || doc == nil {
		return nil, []string{fmt.Sprintf("the config row's data is not a JSON object (%s): no models taken from it", jsonErr(err))}, nil
	}
	rawOpenAI, ok := doc["openai"]
	if !ok {
		return nil, nil, nil
	}
	var openai map[string]json.RawMessage
	if err := json.Unmarshal(rawOpenAI, &openai); err != nil || openai == nil {
		return nil, []string{fmt.Sprintf("the config row's data.openai is %s, not an object: no models taken from it", shortJSON(rawOpenAI))}, nil
	}
	var out map[string][]byte
	for _, k := range openAIKeys {
		if v, ok := openai[strings.TrimPrefix(k, "openai.")]; ok {
			if out == nil {
				out = map[string][]byte{}
			}
			out[k] = v
		}
	}
	return out, nil, nil
}

func jsonErr(err error) string {
	if err == nil {
		return "null"
	}
	return err.Error()
}

func castText(s *core.Session, col string) string {
	if d, err := s.Data(); err == nil {
		return d.Cast(s.Quote(col), core.Text)
	}
	return s.Quote(col)
}

// withSetting adds the config row of key k to out, made when nil. SQL
// NULL is not JSON; "null" makes every reader skip it, named.
func withSetting(out map[string][]byte, k string, v sql.NullString) map[string][]byte {
	if out == nil {
		out = map[string][]byte{}
	}
	out[k] = []byte("null")
	if v.Valid {
		out[k] = []byte(v.String)
	}
	return out
}
