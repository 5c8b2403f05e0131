package orgaccess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// Environment variables the pack reads, the seed's names.
const (
	EnvOrgID   = "OPENROUTER_EXTERNAL_USER"
	EnvOrgName = "ORGANIZATION_NAME"
	EnvAPIKey  = "OPENROUTER_API_KEY"
	EnvModels  = "GROUNDWORK_MODELS"
	EnvEnv     = "GROUNDWORK_ENV"
)

// Environments an organization can be in.
const (
	Development = "development"
	Production  = "production"
)

// Config is what the pack needs to know. The zero value runs the schema
// steps only; the data steps skip, naming what is missing.
type Config struct {
	OrgID   string
	OrgName string
	// APIKey is the OpenRouter key; it is only ever passed to the database
	// as a core.Secret and never printed.
	APIKey string
	// Models is the explicit model list. Empty means: the models Open
	// WebUI serves from its stored connection settings (see
	// ModelsFromSettings), or BuiltinModels when it has stored none.
	Models []string
	// Environment is "development", "production" or "" to decide by the
	// name heuristic.
	Environment string
	// NoNameHeuristic turns off "dev in the id or name means development".
	NoNameHeuristic bool
	// HostWait is how long the data steps wait for the host application to
	// create its tables (user, model, config) before skipping.
	HostWait time.Duration
}

// BuiltinModels is the seed's list of OpenRouter models, used only when
// no list is given and the host has stored no connection settings (a new
// install).
var BuiltinModels = []string{
	"anthropic/claude-sonnet-4",
	"anthropic/claude-3.7-sonnet",
	"google/gemini-2.5-flash",
	"google/gemini-2.5-pro",
	"google/gemini-2.5-flash-lite-preview-06-17",
	"deepseek/deepseek-chat-v3-0324",
	"x-ai/grok-4",
	"openai/gpt-4.1",
	"openai/gpt-4o-mini",
	"openai/o4-mini-high",
	"openai/o3",
	"openai/chatgpt-4o-latest",
}

// ConfigFromEnv reads the pack's settings from getenv (os.Getenv).
// Malformed values are errors wrapping core.ErrInvalid.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		OrgID:       strings.TrimSpace(getenv(EnvOrgID)),
		OrgName:     strings.TrimSpace(getenv(EnvOrgName)),
		APIKey:      strings.TrimSpace(getenv(EnvAPIKey)),
		Environment: strings.ToLower(strings.TrimSpace(getenv(EnvEnv))),
	}
	if m := getenv(EnvModels); strings.TrimSpace(m) != "" {
		models, err := ParseModels(m)
		if err != nil {
			return c, fmt.Errorf("steps/orgaccess: %s: %w", EnvModels, err)
		}
		c.Models = models
	}
	return c, c.Validate()
}

// ParseModels splits a comma-separated list, trimming spaces. Duplicates
// are dropped; a blank entry is an error (it is always a typo).
func ParseModels(list string) ([]string, error) {
	parts := strings.Split(list, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return cleanModels(parts)
}

func cleanModels(in []string) ([]string, error) {
	var out []string
	for i, m := range in {
		if m == "" {
			return nil, fmt.Errorf("model #%d is blank: %w", i+1, core.ErrInvalid)
		}
		if len(m) > 255 {
			return nil, fmt.Errorf("model #%d is %d bytes, more than 255: %w", i+1, len(m), core.ErrInvalid)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Missing names the organization settings that are not set, in the seed's
// order; the data steps skip while any is missing.
func (c Config) Missing() []string {
	var out []string
	if c.OrgID == "" {
		out = append(out, EnvOrgID)
	}
	if c.OrgName == "" {
		out = append(out, EnvOrgName)
	}
	if c.APIKey == "" {
		out = append(out, EnvAPIKey)
	}
	return out
}

// Validate rejects settings that could never work, before anything is
// written. Missing settings are not errors: the data steps skip.
func (c Config) Validate() error {
	switch c.Environment {
	case "", Development, Production:
	default:
		return fmt.Errorf("steps/orgaccess: %s=%q: want %q or %q: %w", EnvEnv, c.Environment, Development, Production, core.ErrInvalid)
	}
	for _, f := range []struct{ name, v string }{{EnvOrgID, c.OrgID}, {EnvOrgName, c.OrgName}, {EnvAPIKey, c.APIKey}} {
		if strings.ContainsRune(f.v, 0) {
			return fmt.Errorf("steps/orgaccess: %s contains a NUL byte: %w", f.name, core.ErrInvalid)
		}
	}
	if len(c.OrgID) > 255 {
		return fmt.Errorf("steps/orgaccess: %s is %d bytes, more than 255: %w", EnvOrgID, len(c.OrgID), core.ErrInvalid)
	}
	if _, err := cleanModels(c.Models); err != nil {
		return fmt.Errorf("steps/orgaccess: models: %w", err)
	}
	return nil
}

// IsDevelopment decides whether the organization is a development one:
// an explicit Environment wins; otherwise "dev" in the id or the name,
// case-insensitively, unless the heuristic is off.
func (c Config) IsDevelopment() bool {
	switch c.Environment {
	case Development:
		return true
	case Production:
		return false
	}
	if c.NoNameHeuristic {
		return false
	}
	return strings.Contains(strings.ToLower(c.OrgID), "dev") || strings.Contains(strings.ToLower(c.OrgName), "dev")
}
