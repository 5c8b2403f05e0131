package drivertest

import (
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testForeignKeyAction: ON DELETE is rendered, read back and compared. A
// key declared CASCADE on a table made with NO ACTION is replaced in the
// step's transaction where the driver can (driver.ForeignKeyReplacer), every
// row kept, the next run finds nothing to do and the parent's delete then
// cascades; where it cannot (SQLite, which would have to rebuild the
// table), the difference is a note and the run converges.
func testForeignKeyAction(t *testing.T, open coretest.Opener) {
	d := open(t)
	parent := model.Table{Name: "gw_fk_parent", Columns: []model.Column{{Name: "id", Type: model.Text, NotNull: true}}, PrimaryKey: []string{"id"}}
	child := func(a model.ReferentialAction) model.Table {
		return model.Table{Name: "gw_fk_child", Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "p_id", Type: model.Text, NotNull: true},
		}, PrimaryKey: []string{"id"}, ForeignKeys: []model.ForeignKey{{Columns: []string{"p_id"}, RefTable: parent.Name, RefColumns: []string{"id"}, OnDelete: a}}}
	}
	run := func(tb model.Table) *core.Report {
		t.Helper()
		return apply(t, d, []core.Step{schema.Table(parent), schema.Table(tb, schema.After(schema.TableID(parent.Name)))})
	}
	onDelete := func() model.ReferentialAction {
		t.Helper()
		fks := inspect(t, d).Tables[child(model.NoAction).Name].ForeignKeys
		if len(fks) != 1 {
			t.Fatalf("foreign keys read back: %+v", fks)
		}
		return fks[0].OnDelete
	}
	run(child(model.NoAction))
	// MySQL and MariaDB read NO ACTION back as RESTRICT, the same refusal.
	if a := onDelete(); !a.Refuses() {
		t.Fatalf("a NO ACTION key reads back as %v", a)
	}
	p, c := d.Quote(parent.Name), d.Quote(child(model.NoAction).Name)
	exec(t, d, "INSERT INTO "+p+" (id) VALUES ('a'), ('b')")
	exec(t, d, "INSERT INTO "+c+" (id, p_id) VALUES ('1', 'a'), ('2', 'b')")

	rep := run(child(model.Cascade))
	sr := rep.Step("table:" + child(model.NoAction).Name)
	if _, ok := d.(driver.ForeignKeyReplacer); !ok {
		if rep.Changed || len(sr.Notes) != 1 || !strings.Contains(sr.Notes[0], "declared CASCADE (left as is") {
			t.Fatalf("a differing action the driver cannot replace: %+v", sr)
		}
		return
	}
	if sr.Status != core.StatusApplied || len(sr.Changes) != 1 {
		t.Fatalf("key not replaced: %+v", sr)
	}
	if a := onDelete(); a != model.Cascade {
		t.Fatalf("after replacing, the key reads back as %v", a)
	}
	if n := count(t, d, child(model.NoAction).Name); n != 2 {
		t.Fatalf("%d children after replacing the key, want 2", n)
	}
	if rep := run(child(model.Cascade)); rep.Changed {
		t.Fatal("second run changed something")
	}
	exec(t, d, "DELETE FROM "+p+" WHERE id = 'a'")
	if n := count(t, d, child(model.NoAction).Name); n != 1 {
		t.Fatalf("%d children after the cascading delete, want 1", n)
	}
}
