package orgaccess

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/core"
)

// Environment variables the pack reads, the seed's names.
const (
	EnvOrgID   = "OPENROUTER_EXTERNAL_USER"
	EnvOrgName = "ORGANIZATION_NAME"
	EnvAPIKey  = "OPENROUTER_API_KEY"
	EnvModels  = "GROUNDWORK_MODELS"
	EnvEnv     = "GROUNDWORK_ENV"
	// EnvAccess chooses how access is enforced (AccessSeed, AccessGroups).
	EnvAccess = "GROUNDWORK_ACCESS"
	// EnvOAuthGroupManagement is Open WebUI's own setting: when on, the
	// identity provider owns group memberships.
	EnvOAuthGroupManagement = "ENABLE_OAUTH_GROUP_MANAGEMENT"
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
	// Access is AccessSeed ("" means it) or AccessGroups: also make the
	// organization's model access real in Open WebUI's own groups and
	// grants (access.go).
	Access string
	// OAuthGroupManagement is Open WebUI's ENABLE_OAUTH_GROUP_MANAGEMENT:
	// the identity provider owns memberships, so groundwork writes none.
	OAuthGroupManagement bool
	// Host is the revision the host about to start migrates the database
	// to; while the database is not there (or it is unknown) the view is
	// held back (see hold.go).
	Host HostTarget
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
		Access:      strings.ToLower(strings.TrimSpace(getenv(EnvAccess))),
		// Read as Open WebUI reads it.
		OAuthGroupManagement: ParseOAuthGroupManagement(getenv(EnvOAuthGroupManagement)),
	}
	if m := getenv(EnvModels); strings.TrimSpace(m) != "" {
		models, err := ParseModels(m)
		if err != nil {
			return c, fmt.Errorf("steps/orgaccess: %s: %w", EnvModels, err)
		}
		c.Models = models
	}
	host, err := ResolveTarget(getenv(EnvHostRevision), EnvHostRevision, getenv(EnvHostMigrations), EnvHostMigrations, OpenWebUIMigrations)
	if err != nil {
		return c, err
	}
	c.Host = host
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
	seen := make(map[string]bool, len(in))
	for i, m := range in {
		if m == "" {
			return nil, fmt.Errorf("model #%d is blank: %w", i+1, core.ErrInvalid)
		}
		if len(m) > 255 {
			return nil, fmt.Errorf("model #%d is %d bytes, more than 255: %w", i+1, len(m), core.ErrInvalid)
		}
		if !seen[m] {
			seen[m] = true
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

// Limits of the organization settings: what every dialect's column holds
// (MariaDB: the id and the API key are keys, VARCHAR(255); the name is
// TEXT, 65,535 bytes). Bytes, not characters: stricter than VARCHAR's
// characters, the same everywhere.
const (
	MaxOrgIDBytes   = 255
	MaxAPIKeyBytes  = 255
	MaxOrgNameBytes = 65535
)

// Validate rejects settings that could never work, before anything is
// written: a value no dialect can store (not UTF-8: PostgreSQL refuses
// it; a NUL byte; longer than its MariaDB column) would otherwise fail
// a statement after earlier steps committed. Errors name the setting and
// the offending byte, never the API key's content. Missing settings are
// not errors: the data steps skip.
func (c Config) Validate() error {
	switch c.Environment {
	case "", Development, Production:
	default:
		return fmt.Errorf("steps/orgaccess: %s=%q: want %q or %q: %w", EnvEnv, c.Environment, Development, Production, core.ErrInvalid)
	}
	switch c.Access {
	case "", AccessSeed, AccessGroups:
	default:
		return fmt.Errorf("steps/orgaccess: %s=%q: want %q or %q: %w", EnvAccess, c.Access, AccessSeed, AccessGroups, core.ErrInvalid)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{EnvOrgID, c.OrgID, MaxOrgIDBytes}, {EnvOrgName, c.OrgName, MaxOrgNameBytes}, {EnvAPIKey, c.APIKey, MaxAPIKeyBytes}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if _, err := cleanModels(c.Models); err != nil {
		return fmt.Errorf("steps/orgaccess: models: %w", err)
	}
	return nil
}

// checkText checks one setting's value; the error says where the value
// goes wrong, not what it holds.
func checkText(name, v string, maxBytes int) error {
	if i := strings.IndexByte(v, 0); i >= 0 {
		return fmt.Errorf("steps/orgaccess: %s contains a NUL byte (at byte %d): %w", name, i+1, core.ErrInvalid)
	}
	if !utf8.ValidString(v) {
		i := 0
		for i < len(v) {
			r, size := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return fmt.Errorf("steps/orgaccess: %s is not valid UTF-8 (byte %d of %d), which PostgreSQL and MariaDB refuse: %w", name, i+1, len(v), core.ErrInvalid)
	}
	if len(v) > maxBytes {
		return fmt.Errorf("steps/orgaccess: %s is %d bytes, more than %d (what its MariaDB column holds): %w", name, len(v), maxBytes, core.ErrInvalid)
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
