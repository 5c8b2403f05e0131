package model_test

import (
	"errors"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/groundworkdb/groundwork/model"
)

func TestValidateIdent(t *testing.T) {
	for name, tc := range map[string]struct {
		kind, name, want string
	}{
		"empty":         {"table", "", "name is empty"},
		"too long":      {"table", strings.Repeat("x", model.MaxIdentLen+1), "longer than 63"},
		"not utf-8":     {"table", "a\xffb", "not valid UTF-8"},
		"nul":           {"table", "a\x00b", "NUL byte"},
		"spaces":        {"index", " ix", "leading or trailing spaces"},
		"sqlite prefix": {"table", "SQLite_stat1", "SQLite reserves"},
		"emoji":         {"column", "a😀", "Basic Multilingual Plane"},
		"pg system":     {"column", "xmin", "system column"},
	} {
		err := model.ValidateIdent(tc.kind, tc.name)
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "model: ") {
			t.Errorf("%s: ValidateIdent(%q, %q) = %v; want model: … %s … wrapping ErrInvalid", name, tc.kind, tc.name, err, tc.want)
		}
	}
	for _, ok := range []string{"user", "we?ird", `a"b`, "a`b", strings.Repeat("x", model.MaxIdentLen), "zażółć"} {
		if err := model.ValidateIdent("table", ok); err != nil {
			t.Errorf("ValidateIdent(%q) = %v, want nil", ok, err)
		}
	}
	// xmin is a system column on PostgreSQL, not a reserved table name.
	if err := model.ValidateIdent("table", "xmin"); err != nil {
		t.Errorf("table xmin: %v", err)
	}
}

func TestTableValidate(t *testing.T) {
	base := func() model.Table {
		return model.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "ref", Type: model.Text},
		}}
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid table: %v", err)
	}
	for name, tc := range map[string]struct {
		edit func(*model.Table)
		want string
	}{
		"no columns":     {func(t *model.Table) { t.Columns = nil; t.PrimaryKey = nil }, "has no columns"},
		"twice":          {func(t *model.Table) { t.Columns = append(t.Columns, t.Columns[0]) }, "declared twice"},
		"unknown type":   {func(t *model.Table) { t.Columns[1].Type = "uuid" }, "unknown type"},
		"pk unknown":     {func(t *model.Table) { t.PrimaryKey = []string{"nope"} }, "primary key names unknown column"},
		"unique unknown": {func(t *model.Table) { t.Uniques = []model.Unique{{Columns: []string{"nope"}}} }, "unique constraint names unknown"},
		"fk malformed": {func(t *model.Table) {
			t.ForeignKeys = []model.ForeignKey{{Columns: []string{"ref"}, RefTable: "u"}}
		}, "malformed"},
		"fk action": {func(t *model.Table) {
			t.ForeignKeys = []model.ForeignKey{{Columns: []string{"ref"}, RefTable: "u", RefColumns: []string{"id"}, OnDelete: "explode"}}
		}, "unknown ON DELETE action"},
		"set null on not null": {func(t *model.Table) {
			t.Columns[1].NotNull = true
			t.ForeignKeys = []model.ForeignKey{{Columns: []string{"ref"}, RefTable: "u", RefColumns: []string{"id"}, OnDelete: model.SetNull}}
		}, "sets NULL on delete"},
	} {
		tbl := base()
		tc.edit(&tbl)
		if err := tbl.Validate(); !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want … %s … wrapping ErrInvalid", name, err, tc.want)
		}
	}
	if err := (model.Index{Name: "ix", Table: "t"}).Validate(); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("index without columns: %v", err)
	}
}

func TestReferentialAction(t *testing.T) {
	for in, want := range map[string]model.ReferentialAction{
		"": model.NoAction, "NO ACTION": model.NoAction, "cascade": model.Cascade, "SET NULL": model.SetNull,
		"set  default": model.SetDefault, "RESTRICT": model.Restrict, "whatever": model.NoAction,
	} {
		if got := model.ParseReferentialAction(in); got != want {
			t.Errorf("ParseReferentialAction(%q) = %q, want %q", in, got, want)
		}
	}
	if !model.NoAction.Refuses() || !model.Restrict.Refuses() || model.Cascade.Refuses() {
		t.Error("Refuses: NO ACTION and RESTRICT refuse a delete, CASCADE does not")
	}
	// An action the catalog hides matches every declared one.
	if !model.SameAction(model.ActionUnknown, model.Cascade) || !model.SameAction(model.SetNull, model.ActionUnknown) || model.SameAction(model.Cascade, model.SetNull) {
		t.Error("SameAction: ActionUnknown matches every action, two known ones only themselves")
	}
}

// A recorded table is what the runner plans against after creating it:
// every declared column, the key columns NOT NULL, the primary key and
// each unique constraint as a unique index (HasUniqueOn in any order and
// case), and recording twice through AddTable keeps the first.
func TestRecordTable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z]{1,6}`), 1, 6, rapid.ID[string]).Draw(t, "columns")
		tbl := model.Table{Name: "t"}
		for _, n := range names {
			tbl.Columns = append(tbl.Columns, model.Column{Name: n, Type: model.Text})
		}
		tbl.PrimaryKey = names[:rapid.IntRange(1, len(names)).Draw(t, "pk")]
		tbl.Uniques = []model.Unique{{Columns: names[len(names)-1:]}}
		cat := model.NewCatalog()
		cat.AddTable(tbl)
		ts := cat.Tables["t"]
		if ts == nil || !ts.FromPlan || len(ts.Columns) != len(names) {
			t.Fatalf("recorded %+v for %+v", ts, tbl)
		}
		for _, c := range ts.Columns {
			if pk := model.ContainsColumn(tbl.PrimaryKey, c.Name); c.PrimaryKey != pk || (pk && !c.NotNull) || !c.FromPlan {
				t.Fatalf("column %+v (primary key %v)", c, pk)
			}
		}
		reversed := make([]string, len(tbl.PrimaryKey))
		for i, c := range tbl.PrimaryKey {
			reversed[len(reversed)-1-i] = strings.ToUpper(c)
		}
		if !cat.HasUniqueOn("T", reversed) || !cat.HasUniqueOn("t", tbl.Uniques[0].Columns) {
			t.Fatalf("unique indexes %v", cat.Indexes)
		}
		cat.AddTable(model.Table{Name: "t", Columns: []model.Column{{Name: "other", Type: model.Text}}})
		if cat.Tables["t"] != ts {
			t.Fatal("AddTable replaced a table the catalog had")
		}
		cat.RecordColumn("t", model.Column{Name: "added", Type: model.Integer, NotNull: true})
		if c := cat.Tables["t"].Column("ADDED"); c == nil || c.Type != "integer" || !c.NotNull {
			t.Fatalf("RecordColumn: %+v", c)
		}
		cat.RecordColumn("missing", model.Column{Name: "x"}) // no such table: nothing to record
	})
}
