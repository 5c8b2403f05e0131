package orgaccess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// The rules of Open WebUI v0.10.2's routers/openai.py
// (get_all_models_responses), case by case.
func TestModelsFromSettings(t *testing.T) {
	const urls = `["https://a.example/v1", "https://b.example/v1"]`
	tests := []struct {
		name     string
		settings map[string]string
		want     []string
		notes    []string // substrings, each in some note
	}{
		{"by position, in order", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"1": {"model_ids": ["b1"]}, "0": {"model_ids": ["a1", "a2"]}}`,
		}, []string{"a1", "a2", "b1"}, nil},
		{"enable false: nothing", map[string]string{
			orgaccess.KeyOpenAIEnable:   `false`,
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["a1"]}}`,
		}, nil, []string{"openai.enable is false"}},
		{"missing enable is true, per connection too", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["a1"]}, "1": {"enable": false, "model_ids": ["b1"]}}`,
		}, []string{"a1"}, []string{"connection 1 (https://b.example/v1) is disabled"}},
		{"settings by URL when the index has none (legacy)", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"https://b.example/v1": {"model_ids": ["b1"]}, "0": {"model_ids": ["a1"]}}`,
		}, []string{"a1", "b1"}, nil},
		{"index wins over URL", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"1": {"model_ids": ["by-index"]}, "https://b.example/v1": {"model_ids": ["by-url"]}}`,
		}, []string{"by-index"}, []string{"connection 0 (https://a.example/v1) has no settings", `"https://b.example/v1": no connection`}},
		{"keys beyond the URL list ignored", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: `["https://a.example/v1"]`,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["a1"]}, "1": {"model_ids": ["stale"]}}`,
		}, []string{"a1"}, []string{`openai.api_configs "1": no connection of openai.api_base_urls (1)`}},
		{"prefix_id makes the served id", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"prefix_id": "lab", "model_ids": ["m"]}, "1": {"prefix_id": "", "model_ids": ["m"]}}`,
		}, []string{"lab.m", "m"}, nil},
		{"no stored URLs: Open WebUI's default, one connection", map[string]string{
			orgaccess.KeyOpenAIConfigs: `{"0": {"model_ids": ["a1"]}, "1": {"model_ids": ["b1"]}}`,
		}, []string{"a1"}, []string{"openai.api_base_urls is not stored"}},
		{"no model_ids: the provider lists them, none taken", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"enable": true, "model_ids": []}}`,
		}, nil, []string{"connection 0 (https://a.example/v1) lists no model_ids", "connection 1 (https://b.example/v1) has no settings"}},
		{"duplicates across connections once", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["x", "x"]}, "1": {"model_ids": ["x", "y"]}}`,
		}, []string{"x", "y"}, nil},
		{"malformed entries skipped, the rest used", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: urls,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["ok", 7, null, " ", "` + strings.Repeat("é", 128) + `"]}, "1": {"enable": "true", "model_ids": ["no"]}}`,
		}, []string{"ok"}, []string{"entry 1 is 7, not a string", "entry 2 is null", "entry 3 is blank", "256 bytes, more than 255", `"enable" is "true", not true or false`}},
		{"a prefix that makes an id too long", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: `["https://a.example/v1"]`,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"prefix_id": "p", "model_ids": ["` + strings.Repeat("m", 254) + `", "short"]}}`,
		}, []string{"p.short"}, []string{"256 bytes"}},
		{"unreadable keys named", map[string]string{
			orgaccess.KeyOpenAIEnable:   `yes please`,
			orgaccess.KeyOpenAIBaseURLs: `["https://a.example/v1"]`,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["a1"]}`,
		}, nil, []string{"openai.enable is yes please", "openai.api_configs is {", "has no settings"}},
		{"unreadable URL list: no connections", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: `"https://a.example/v1"`,
			orgaccess.KeyOpenAIConfigs:  `{"0": {"model_ids": ["a1"]}}`,
		}, nil, []string{"not a list"}},
		{"credentials in a URL never shown", map[string]string{
			orgaccess.KeyOpenAIBaseURLs: `["https://u:s3cret@a.example/v1?api_key=s3cret"]`,
		}, nil, []string{"connection 0 (https://a.example/v1) has no settings"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string][]byte{}
			for k, v := range tc.settings {
				in[k] = []byte(v)
			}
			got, notes := orgaccess.ModelsFromSettings(in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("models %q, want %q", got, tc.want)
			}
			all := strings.Join(notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(all, n) {
					t.Errorf("notes lack %q:\n%s", n, all)
				}
			}
			if strings.Contains(all, "s3cret") {
				t.Errorf("a credential in the notes:\n%s", all)
			}
		})
	}
}
