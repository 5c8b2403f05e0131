package mysql

import (
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/groundworkdb/groundwork/model"
)

func TestCreateView(t *testing.T) {
	d := offline(t)
	v := model.View{Name: `it's \ ü`, Query: func(q model.Quoter) string {
		return "\n  SELECT u.id FROM " + q.Quote("user") + " u WHERE u.role <> 'pending';\n"
	}}
	hash := sqlkit.QueryFingerprint("SELECT u.id FROM `user` u WHERE u.role <> 'pending'")
	name := `CONCAT('it''s ', CHAR(92 USING ascii), ' ü')`
	want := []string{
		createViewsTable,
		"CREATE OR REPLACE VIEW `it's \\ ü` AS SELECT u.id FROM `user` u WHERE u.role <> 'pending'",
		"REPLACE INTO `groundwork_views` (name, query_hash, definition_md5)\n" +
			"SELECT " + name + ", '" + hash + "', COALESCE(MD5(VIEW_DEFINITION), '')\n" +
			"FROM information_schema.VIEWS\n" +
			"WHERE TABLE_SCHEMA = DATABASE() AND CONVERT(TABLE_NAME USING utf8mb4) COLLATE utf8mb4_bin = " + name,
	}
	if got := d.CreateView(v); strings.Join(got, "\n;\n") != strings.Join(want, "\n;\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n;\n"), strings.Join(want, "\n;\n"))
	}
	if got := d.ReplaceView(v); strings.Join(got, "\n;\n") != strings.Join(want, "\n;\n") {
		t.Fatalf("ReplaceView differs from CreateView:\n%s", strings.Join(got, "\n;\n"))
	}
	if !strings.Contains(createViewsTable, "CREATE TABLE IF NOT EXISTS `"+ViewsTable+"`") {
		t.Fatalf("the fingerprint table is not created if missing: %s", createViewsTable)
	}
}

func TestViewMatches(t *testing.T) {
	d := offline(t)
	v := model.View{Name: "v", Query: func(model.Quoter) string { return "SELECT 1 AS one" }}
	qh := sqlkit.QueryFingerprint("SELECT 1 AS one")
	const md5 = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		have model.ViewState
		want bool
	}{
		{"fingerprint of the declared query and of the stored definition", model.ViewState{Definition: md5, Marker: markerPrefix + qh + ":" + md5}, true},
		{"white space in the declaration does not count", model.ViewState{Definition: md5, Marker: markerPrefix + sqlkit.QueryFingerprint("SELECT  1\n AS one") + ":" + md5}, true},
		{"a definition this user may not see: the recorded declaration decides", model.ViewState{Definition: "", Marker: markerPrefix + qh + ":" + md5}, true},
		{"a definition this user may not see, declaration changed", model.ViewState{Definition: "", Marker: markerPrefix + sqlkit.QueryFingerprint("SELECT 2 AS one") + ":" + md5}, false},
		{"the declaration changed", model.ViewState{Definition: md5, Marker: markerPrefix + sqlkit.QueryFingerprint("SELECT 2 AS one") + ":" + md5}, false},
		{"replaced behind groundwork's back", model.ViewState{Definition: "ffffffffffffffffffffffffffffffff", Marker: markerPrefix + qh + ":" + md5}, false},
		{"made by someone else: no fingerprint", model.ViewState{Definition: md5}, false},
		{"a malformed fingerprint", model.ViewState{Definition: md5, Marker: markerPrefix + qh}, false},
	}
	for _, tt := range tests {
		have := tt.have
		have.Name = "v"
		if got := d.ViewMatches(v, &have); got != tt.want {
			t.Errorf("%s: %t, want %t", tt.name, got, tt.want)
		}
	}
}
