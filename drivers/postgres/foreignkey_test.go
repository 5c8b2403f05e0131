package postgres

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func TestAddForeignKeyRendersNotValid(t *testing.T) {
	got := (&Driver{}).AddForeignKey("org_models", model.ForeignKey{Columns: []string{"org_id"}, RefTable: "user", RefColumns: []string{"id"}})
	want := `ALTER TABLE "org_models" ADD FOREIGN KEY ("org_id") REFERENCES "user" ("id") NOT VALID`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// A table dropped with CASCADE takes the foreign keys that point to it
// from other tables; the next run recreates it and gives them back,
// without checking the rows already there, then has nothing left to do.
func TestForeignKeyRestoredAfterCascadingDrop(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	parent := model.Table{Name: "gw_org", Columns: []model.Column{{Name: "id", Type: model.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
	child := model.Table{Name: "gw_link", Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true},
		{Name: "org_id", Type: model.Text, NotNull: true},
	}, PrimaryKey: []string{"id"}, ForeignKeys: []model.ForeignKey{{Columns: []string{"org_id"}, RefTable: "gw_org", RefColumns: []string{"id"}}}}
	reg, err := core.NewRegistry(schema.Table(parent), schema.Table(child, schema.After(schema.TableID("gw_org"))))
	if err != nil {
		t.Fatal(err)
	}
	apply := func() *core.Report {
		t.Helper()
		rep, err := core.NewRunner(d, reg).Apply(ctx)
		if err != nil || rep.Status != core.RunConverged {
			t.Fatalf("apply: %v, status %s", err, rep.Status)
		}
		return rep
	}
	apply()
	mustExec(t, d, `INSERT INTO gw_org (id) VALUES ('o1')`)
	mustExec(t, d, `INSERT INTO gw_link (id, org_id) VALUES ('l1', 'o1')`)
	mustExec(t, d, `DROP TABLE gw_org CASCADE`)

	rep := apply()
	if s := rep.Step(schema.TableID("gw_link")); s == nil || s.Status != core.StatusApplied {
		t.Fatalf("the link table's foreign key was not restored: %+v", s)
	}
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatal(err)
	}
	if fks := cat.Tables["gw_link"].ForeignKeys; len(fks) != 1 || fks[0].RefTable != "gw_org" {
		t.Fatalf("foreign keys of gw_link: %+v", fks)
	}
	if rep := apply(); rep.Changed || rep.Statements != 0 {
		t.Fatalf("a second run changed something: %d statements", rep.Statements)
	}
	// The restored key holds for new rows.
	if _, err := d.DB().ExecContext(ctx, `INSERT INTO gw_link (id, org_id) VALUES ('l2', 'nope')`); err == nil {
		t.Fatal("a link to a missing organization was accepted")
	}
}

func TestReplaceForeignKeyRendersOneAlterNotValid(t *testing.T) {
	got := (&Driver{}).ReplaceForeignKey("organization_members",
		model.ForeignKeyState{Name: "organization_members_user_id_fkey", Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}},
		model.ForeignKey{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}, OnDelete: model.Cascade})
	want := []string{
		"SET LOCAL lock_timeout = '5s'",
		`ALTER TABLE "organization_members" DROP CONSTRAINT "organization_members_user_id_fkey", ADD CONSTRAINT "organization_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE NOT VALID`,
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
