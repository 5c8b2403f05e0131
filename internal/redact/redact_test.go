package redact_test

import (
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/internal/redact"
)

func TestRedact(t *testing.T) {
	cases := []struct {
		name, text string
		secrets    []string
		want       string
	}{
		{"long secret anywhere", "key sk-or-v1-abcdef in Xsk-or-v1-abcdefX", []string{"sk-or-v1-abcdef"}, "key *** in X***X"},
		{"short password only standalone", "cannot connect to postgres://app:p@127.0.0.1/app: dial tcp: refused", []string{"p"},
			"cannot connect to postgres://app:***@127.0.0.1/app: dial tcp: refused"},
		{"short password in key=value", "password=admin user=administrator", []string{"admin"}, "password=*** user=administrator"},
		{"escaped spellings", "postgres://u:p%40ss%2Fword@h/db and p@ss/word", []string{"p@ss/word"}, "postgres://u:***@h/db and ***"},
		{"containing secret replaced whole", "abcdefghijXYZ", []string{"abcdefghij", "abcdefghijXYZ"}, "***"},
		{"separators alone are not secrets", "a:b@c", []string{":", "@"}, "a:b@c"},
		{"unicode neighbours are letters", "żp ąpą :p:", []string{"p"}, "żp ąpą :***:"},
		{"overlapping occurrence standing alone", "ba-a-a and u:a-a@h", []string{"a-a"}, "ba-*** and u:***@h"},
		{"nothing to hide", "plain text", nil, "plain text"},
		// A key that is not ASCII, as servers and encoders echo it.
		{"mariadb hex quote", `Incorrect string value: '\xFFs3cr\xE9...' for column`, []string{"sk-or-v1-\xffs3cr\xe9t"}, "Incorrect string value: '***...' for column"},
		{"hex, whole", `key sk-or-v1-\xFFs3cr\xE9t`, []string{"sk-or-v1-\xffs3cr\xe9t"}, "key ***"},
		{"question marks", "key sk-or-v1-?s3cr?t", []string{"sk-or-v1-\xffs3cr\xe9t"}, "key ***"},
		{"replacement character", "key sk-or-v1-\ufffds3cr\ufffdt", []string{"sk-or-v1-\xffs3cr\xe9t"}, "key ***"},
		{"json escape", `{"key":"sk-or-v1-\ufffds3cr\ufffdt"}`, []string{"sk-or-v1-\xffs3cr\xe9t"}, `{"key":"***"}`},
		{"utf-8 key per byte", "key sk-or-v1-????", []string{"sk-or-v1-żź"}, "key ***"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.String(c.text, c.secrets, "***")
			if got != c.want {
				t.Fatalf("Redact(%q) = %q, want %q", c.text, got, c.want)
			}
			for _, s := range c.secrets {
				if len(s) >= 8 && strings.Contains(got, s) {
					t.Fatalf("secret %q left in %q", s, got)
				}
			}
		})
	}
}
