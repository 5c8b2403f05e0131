package orgaccess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/groundworkdb/groundwork/core"
)

// Model sources, as the report names them.
const (
	SourceExplicit = "explicit list"
	SourceConfig   = "Open WebUI config"
	SourceBuiltin  = "built-in list"
)

// resolveModels returns the configured models and where they came from:
// the explicit list; else every enabled connection's model_ids in the
// newest row of Open WebUI's config table; else BuiltinModels.
func resolveModels(ctx context.Context, s *core.Session, cfg Config) ([]string, string, error) {
	if len(cfg.Models) > 0 {
		m, err := cleanModels(cfg.Models)
		return m, SourceExplicit, err
	}
	// Registering and linking both need the list: read the config row once.
	v, err := s.Memo(modelsKey{}, func() (any, error) {
		models, source, err := modelsFromHost(ctx, s)
		return resolved{models, source}, err
	})
	if err != nil {
		return nil, "", err
	}
	r := v.(resolved)
	return r.models, r.source, nil
}

type modelsKey struct{}

type resolved struct {
	models []string
	source string
}

// modelsFromHost reads the model list from Open WebUI's config table, or
// gives the built-in list.
func modelsFromHost(ctx context.Context, s *core.Session) ([]string, string, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, "", err
	}
	if cat.Tables["config"] != nil {
		var data string
		err := s.QueryRow(ctx, "SELECT "+castText(s, "data")+" FROM "+s.Quote("config")+" ORDER BY id DESC LIMIT 1").Scan(&data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, "", fmt.Errorf("read config: %w", err)
		default:
			ids, err := ModelsFromConfig([]byte(data))
			if err != nil {
				s.Logger.Warn("config table data is not the JSON expected; using the built-in model list", "err", err)
			} else if len(ids) > 0 {
				return ids, SourceConfig, nil
			}
		}
	}
	return BuiltinModels, SourceBuiltin, nil
}

func castText(s *core.Session, col string) string {
	if d, err := s.Data(); err == nil {
		return d.Cast(s.Quote(col), core.Text)
	}
	return s.Quote(col)
}

// ModelsFromConfig reads openai.api_configs.<n>.model_ids of every
// enabled connection (a connection without "enable" counts as enabled, as
// in Open WebUI), in connection order, without duplicates or blanks. It
// also reads the per-key layout where "openai.api_configs" is a top-level
// key of the JSON document.
func ModelsFromConfig(data []byte) ([]string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config data: %w", err)
	}
	raw, ok := doc["openai.api_configs"]
	if !ok {
		var openai struct {
			APIConfigs json.RawMessage `json:"api_configs"`
		}
		if o, ok := doc["openai"]; ok {
			if err := json.Unmarshal(o, &openai); err != nil {
				return nil, fmt.Errorf("config data: openai: %w", err)
			}
		}
		raw = openai.APIConfigs
	}
	if len(raw) == 0 {
		return nil, nil
	}
	var conns map[string]struct {
		Enable   *bool    `json:"enable"`
		ModelIDs []string `json:"model_ids"`
	}
	if err := json.Unmarshal(raw, &conns); err != nil {
		return nil, fmt.Errorf("config data: openai.api_configs: %w", err)
	}
	keys := make([]string, 0, len(conns))
	for k := range conns {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return connOrder(keys[i]) < connOrder(keys[j]) || connOrder(keys[i]) == connOrder(keys[j]) && keys[i] < keys[j]
	})
	var ids []string
	for _, k := range keys {
		c := conns[k]
		if c.Enable != nil && !*c.Enable {
			continue
		}
		for _, id := range c.ModelIDs {
			if id != "" {
				ids = append(ids, id)
			}
		}
	}
	return cleanModels(ids)
}

func connOrder(k string) int {
	n, err := strconv.Atoi(k)
	if err != nil {
		return 1 << 30
	}
	return n
}
