package orgaccess

import (
	"errors"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// TestValidateInput: values no dialect can store are refused before
// anything is written, naming the setting and never the key's content.
func TestValidateInput(t *testing.T) {
	ok := Config{OrgID: "dev-org", OrgName: "Dev Org ü 組織", APIKey: "sk-or-v1-abc"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"id not UTF-8", func(c *Config) { c.OrgID = "dev-\xff\xfe" }, EnvOrgID + " is not valid UTF-8 (byte 5 of 6)"},
		{"name not UTF-8", func(c *Config) { c.OrgName = "Dev \xc3" }, EnvOrgName + " is not valid UTF-8"},
		{"key not UTF-8", func(c *Config) { c.APIKey = "sk-or-v1-s3cr\xe9t" }, EnvAPIKey + " is not valid UTF-8"},
		{"name 100 kB", func(c *Config) { c.OrgName = strings.Repeat("n", 100_000) }, EnvOrgName + " is 100000 bytes, more than 65535"},
		{"id 256 bytes", func(c *Config) { c.OrgID = strings.Repeat("i", 256) }, EnvOrgID + " is 256 bytes, more than 255"},
		{"key 300 bytes", func(c *Config) { c.APIKey = "sk-or-v1-s3cr" + strings.Repeat("k", 300) }, EnvAPIKey + " is 313 bytes, more than 255"},
		{"key NUL", func(c *Config) { c.APIKey = "sk-or-v1-s3cr\x00" }, EnvAPIKey + " contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: %v, want %q wrapping core.ErrInvalid", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cr") {
				t.Fatalf("the error shows the key: %v", err)
			}
		})
	}
}
