package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// ON DELETE is rendered, read back and compared. SQLite cannot change a
// key without rebuilding its table, which groundwork never does: a key
// whose action differs is a note, and the run converges.
func TestForeignKeyActionRoundTrip(t *testing.T) {
	d := sqlitetest.Open(t)
	ctx := context.Background()
	parent := model.Table{Name: "p", Columns: []model.Column{{Name: "id", Type: model.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
	child := func(a model.ReferentialAction) model.Table {
		return model.Table{Name: "c", Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "p_id", Type: model.Text},
		}, PrimaryKey: []string{"id"}, ForeignKeys: []model.ForeignKey{{Columns: []string{"p_id"}, RefTable: "p", RefColumns: []string{"id"}, OnDelete: a}}}
	}
	if got := d.CreateTable(child(model.Cascade))[0]; !strings.Contains(got, `FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE CASCADE`) {
		t.Fatalf("CreateTable: %s", got)
	}
	apply := func(tb model.Table) *core.Report {
		t.Helper()
		reg, err := core.NewRegistry(schema.Table(parent), schema.Table(tb, schema.After(schema.TableID("p"))))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := core.NewRunner(d, reg).Apply(ctx)
		if err != nil || rep.Status != core.RunConverged {
			t.Fatalf("apply: %v, status %s", err, rep.Status)
		}
		return rep
	}
	apply(child(model.SetNull))
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatal(err)
	}
	if fks := cat.Tables["c"].ForeignKeys; len(fks) != 1 || fks[0].OnDelete != model.SetNull {
		t.Fatalf("read back: %+v", fks)
	}
	rep := apply(child(model.Cascade))
	sr := rep.Step("table:c")
	if rep.Changed || len(sr.Notes) != 1 || !strings.Contains(sr.Notes[0], "is ON DELETE SET NULL, declared CASCADE (left as is") {
		t.Fatalf("a differing action on SQLite: %+v", sr)
	}
}
