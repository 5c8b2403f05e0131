package mysql

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

func TestDataSQL(t *testing.T) {
	d := offline(t)
	tests := []struct {
		name, got, want string
	}{
		{"insert-if-missing from a SELECT: the first column set to itself, qualified",
			d.InsertIgnore("organization_members", []string{"id", "organization_id"}, "SELECT ?, u.id FROM `user` u"),
			"INSERT INTO `organization_members` (`id`, `organization_id`) SELECT ?, u.id FROM `user` u ON DUPLICATE KEY UPDATE `organization_members`.`id` = `organization_members`.`id`"},
		{"insert-if-missing from VALUES, odd names",
			d.InsertIgnore("we`ird", []string{"n?", "b"}, "VALUES (?, ?), (?, ?)"),
			"INSERT INTO `we``ird` (`n?`, `b`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `we``ird`.`n?` = `we``ird`.`n?`"},
		{"upsert: touch columns first, guarded; compare columns after",
			d.Upsert("client_organizations", []string{"id", "name", "key", "updated_at"}, []string{"id"}, []string{"name", "key"}, []string{"updated_at"}),
			"INSERT INTO `client_organizations` (`id`, `name`, `key`, `updated_at`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE " +
				"`client_organizations`.`updated_at` = IF(NOT (" +
				"CAST(`client_organizations`.`name` AS BINARY) <=> CAST(VALUES(`name`) AS BINARY) AND " +
				"CAST(`client_organizations`.`key` AS BINARY) <=> CAST(VALUES(`key`) AS BINARY)), " +
				"VALUES(`updated_at`), `client_organizations`.`updated_at`), " +
				"`client_organizations`.`name` = VALUES(`name`), `client_organizations`.`key` = VALUES(`key`)"},
		{"upsert without compare columns keeps the row",
			d.Upsert("t", []string{"id", "v"}, []string{"id"}, nil, []string{"v"}),
			"INSERT INTO `t` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `t`.`id` = `t`.`id`"},
		{"cast text of a column", d.Cast("`data`", model.Text), "CAST(`data` AS CHAR)"},
		{"cast text of a parameter: bare", d.Cast(" ? ", model.Text), " ? "},
		{"cast json: bare", d.Cast("?", model.JSON), "?"},
		{"cast bigint", d.Cast("?", model.BigInt), "CAST(? AS SIGNED)"},
		{"cast integer", d.Cast("?", model.Integer), "CAST(? AS SIGNED)"},
		{"cast boolean", d.Cast("?", model.Boolean), "CAST(? AS SIGNED)"},
		{"cast real", d.Cast("?", model.Real), "CAST(? AS DOUBLE)"},
		{"cast timestamp", d.Cast("?", model.Timestamp), "CAST(? AS DATETIME(6))"},
		{"cast date", d.Cast("?", model.Date), "CAST(? AS DATE)"},
		{"concat", d.Concat("?", "u.id"), "CONCAT(?, u.id)"},
		{"concat of nothing", d.Concat(), "''"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

// TestDisplayInlinesSafely: a statement shown in a report has its
// arguments inlined as MySQL literals and its secrets masked.
func TestDisplayInlinesSafely(t *testing.T) {
	d := offline(t)
	st := driver.Statement{
		SQL:  d.Upsert("client_organizations", []string{"id", "openrouter_api_key"}, []string{"id"}, []string{"openrouter_api_key"}, nil),
		Args: []any{"it's", core.Secret("sk-or-v1-SECRET")},
	}
	got := core.Display(d, st)
	want := "INSERT INTO `client_organizations` (`id`, `openrouter_api_key`) VALUES ('it''s', '***') ON DUPLICATE KEY UPDATE " +
		"`client_organizations`.`openrouter_api_key` = VALUES(`openrouter_api_key`)"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
