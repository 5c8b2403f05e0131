package sqlkit_test

import (
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"
)

type quoter struct{}

func (quoter) Quote(s string) string { return sqlkit.QuoteIdent('"', s) }

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{`user`: `"user"`, `a"b`: `"a""b"`, `""`: `""""""`, `we?ird`: `"we?ird"`} {
		if got := sqlkit.QuoteIdent('"', in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got := sqlkit.QuoteIdent('`', "a`b"); got != "`a``b`" {
		t.Errorf("backquote: %s", got)
	}
}

// White space folds outside quotes only, so a view whose literal holds
// two spaces is not the same view as one with one.
func TestNormalizeSQL(t *testing.T) {
	if got := sqlkit.NormalizeSQL("  SELECT\n\tid ,  'a  b'\r\nFROM \"x  y\"  "); got != `SELECT id , 'a  b' FROM "x  y"` {
		t.Errorf("NormalizeSQL = %q", got)
	}
	a := sqlkit.QueryFingerprint("SELECT id\nFROM t")
	if a != sqlkit.QueryFingerprint("  SELECT   id FROM t ") || len(a) != 64 {
		t.Errorf("fingerprints differ for white space alone: %s", a)
	}
	if a == sqlkit.QueryFingerprint("SELECT 'id' FROM t") || sqlkit.QueryFingerprint("SELECT 'a  b'") == sqlkit.QueryFingerprint("SELECT 'a b'") {
		t.Error("fingerprints agree on different queries")
	}
}

func TestTableConstraints(t *testing.T) {
	tbl := model.Table{
		Name: "m", PrimaryKey: []string{"org", "id"},
		Uniques: []model.Unique{{Columns: []string{"name"}}},
		ForeignKeys: []model.ForeignKey{
			{Columns: []string{"org"}, RefTable: "orgs", RefColumns: []string{"id"}, OnDelete: model.Cascade},
			{Columns: []string{"owner"}, RefTable: "user", RefColumns: []string{"id"}},
		},
	}
	want := []string{
		`PRIMARY KEY ("org", "id")`,
		`UNIQUE ("name")`,
		`FOREIGN KEY ("org") REFERENCES "orgs" ("id") ON DELETE CASCADE`,
		`FOREIGN KEY ("owner") REFERENCES "user" ("id")`,
	}
	if got := sqlkit.TableConstraints(quoter{}, tbl, true); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("TableConstraints =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := sqlkit.TableConstraints(quoter{}, tbl, false); len(got) != 3 || strings.HasPrefix(got[0], "PRIMARY") {
		t.Errorf("withPK false still renders the key: %v", got)
	}
}
