package orgaccess

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Keys of Open WebUI's OpenAI-compatible connection settings, as its
// PersistentConfig names them: the per-key layout's keys, and the paths
// into the single row's JSON.
const (
	KeyOpenAIEnable   = "openai.enable"
	KeyOpenAIBaseURLs = "openai.api_base_urls"
	KeyOpenAIConfigs  = "openai.api_configs"
)

// openAIKeys are the settings the model list is read from. The API keys
// (openai.api_keys) are never read.
var openAIKeys = []string{KeyOpenAIEnable, KeyOpenAIBaseURLs, KeyOpenAIConfigs}

// defaultBaseURL is Open WebUI's OPENAI_API_BASE_URLS default, which it
// uses while no list is stored.
const defaultBaseURL = "https://api.openai.com/v1"

// maxModelID is the longest model id the pack stores (model.id and the
// link tables' model_id are VARCHAR(255) on MySQL).
const maxModelID = 255

// ModelsFromSettings returns the model ids Open WebUI v0.10.2 serves from
// its OpenAI-compatible connections' stored model_ids, given the stored
// settings by key (KeyOpenAIEnable, KeyOpenAIBaseURLs, KeyOpenAIConfigs;
// a key absent from settings is not stored). It reads them as
// routers/openai.py does:
//
//   - nothing at all when openai.enable is false;
//   - the connections are the entries of openai.api_base_urls, by
//     position; connection idx's settings are api_configs[str(idx)], else
//     api_configs[url], else none; other keys of api_configs are ignored;
//   - a connection without "enable" is enabled;
//   - a non-empty "prefix_id" makes the served id "<prefix_id>.<model_id>".
//
// A connection without model_ids has its models listed by the provider at
// run time, which groundwork cannot see: it contributes none. Entry by
// entry, whatever cannot be read (a key's JSON, a connection whose
// "enable" is not a boolean, a model id that is not a string, blank, or
// over 255 bytes) is skipped and named in notes; the rest is used. Ids
// are returned in connection order without duplicates.
func ModelsFromSettings(settings map[string][]byte) (ids []string, notes []string) {
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }

	if raw, ok := settings[KeyOpenAIEnable]; ok {
		var enable bool
		if err := json.Unmarshal(raw, &enable); err != nil {
			note("%s is %s, not true or false: skipped (enabled, Open WebUI's default)", KeyOpenAIEnable, shortJSON(raw))
		} else if !enable {
			note("%s is false: Open WebUI serves no models from its OpenAI connections", KeyOpenAIEnable)
			return nil, notes
		}
	}

	var urls []json.RawMessage
	if raw, ok := settings[KeyOpenAIBaseURLs]; !ok {
		note("%s is not stored: Open WebUI's default, one connection (%s)", KeyOpenAIBaseURLs, defaultBaseURL)
		urls = []json.RawMessage{json.RawMessage(strconv.Quote(defaultBaseURL))}
	} else if err := json.Unmarshal(raw, &urls); err != nil {
		note("%s is %s, not a list: skipped, so no connections", KeyOpenAIBaseURLs, shortJSON(raw))
		return nil, notes
	}

	configs := map[string]json.RawMessage{}
	if raw, ok := settings[KeyOpenAIConfigs]; ok {
		if err := json.Unmarshal(raw, &configs); err != nil || configs == nil {
			note("%s is %s, not an object: skipped, so no connection has settings", KeyOpenAIConfigs, shortJSON(raw))
			configs = map[string]json.RawMessage{}
		}
	}

	used := map[string]bool{}
	seen := map[string]bool{}
	for idx, rawURL := range urls {
		var u string
		_ = json.Unmarshal(rawURL, &u) // a URL that is no string only loses the by-URL lookup
		conn := fmt.Sprintf("connection %d (%s)", idx, safeURL(u))
		key := strconv.Itoa(idx)
		raw, ok := configs[key]
		if !ok && u != "" {
			key = u
			raw, ok = configs[u]
		}
		if !ok {
			note("%s has no settings in %s: Open WebUI lists its models from the provider at run time; none taken from it", conn, KeyOpenAIConfigs)
			continue
		}
		used[key] = true
		ids = append(ids, connectionModels(conn, raw, seen, note)...)
	}
	var ignored []string
	for k := range configs {
		if !used[k] {
			ignored = append(ignored, strconv.Quote(safeURL(k)))
		}
	}
	if len(ignored) > 0 {
		sort.Strings(ignored)
		note("%s %s: no connection of %s (%d) has this key: ignored, as Open WebUI does", KeyOpenAIConfigs, strings.Join(ignored, ", "), KeyOpenAIBaseURLs, len(urls))
	}
	return ids, notes
}

// connectionModels reads one connection's settings: its served model ids
// not yet in seen.
func connectionModels(conn string, raw json.RawMessage, seen map[string]bool, note func(string, ...any)) []string {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil || c == nil {
		note("%s: settings are %s, not an object: skipped", conn, shortJSON(raw))
		return nil
	}
	if v, ok := c["enable"]; ok {
		var enable bool
		if err := json.Unmarshal(v, &enable); err != nil {
			note("%s: \"enable\" is %s, not true or false: skipped", conn, shortJSON(v))
			return nil
		}
		if !enable {
			note("%s is disabled: none of its models taken", conn)
			return nil
		}
	}
	var prefix string
	if v, ok := c["prefix_id"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &prefix); err != nil {
			note("%s: \"prefix_id\" is %s, not a string: skipped", conn, shortJSON(v))
			return nil
		}
	}
	var entries []json.RawMessage
	if v, ok := c["model_ids"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &entries); err != nil {
			note("%s: \"model_ids\" is %s, not a list: skipped", conn, shortJSON(v))
			return nil
		}
	}
	if len(entries) == 0 {
		note("%s lists no model_ids: Open WebUI lists its models from the provider at run time; none taken from it", conn)
		return nil
	}
	var out []string
	for i, e := range entries {
		var id string
		if err := json.Unmarshal(e, &id); err != nil || string(e) == "null" {
			note("%s: model_ids entry %d is %s, not a string: skipped", conn, i, shortJSON(e))
			continue
		}
		if strings.TrimSpace(id) == "" {
			note("%s: model_ids entry %d is blank: skipped", conn, i)
			continue
		}
		if prefix != "" {
			id = prefix + "." + id
		}
		if len(id) > maxModelID {
			note("%s: model_ids entry %d (%s) is %d bytes, more than %d: skipped", conn, i, truncate(id, 40), len(id), maxModelID)
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// safeURL is a connection URL for a report: without user info or query,
// which may hold credentials.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return truncate(s, 80)
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return truncate(u.String(), 80)
}

// shortJSON shows a JSON value in a note, cut to a readable length.
func shortJSON(raw []byte) string {
	return truncate(strings.Join(strings.Fields(string(raw)), " "), 60)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
