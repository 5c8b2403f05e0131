package mysql

import (
	"reflect"
	"testing"

	"github.com/groundworkdb/groundwork/driver"

	"github.com/go-sql-driver/mysql"

	"github.com/groundworkdb/groundwork/model"
)

// TestScopedNamesFitOneStatement: the most names InspectNames binds stay
// within driver.MaxScopedNames parameters for the whole statement, with the
// fingerprints' branch too.
func TestScopedNamesFitOneStatement(t *testing.T) {
	for _, fingerprints := range []bool{false, true} {
		_, times := scoped(catalogQuery(fingerprints), maxScopedNames()-1)
		if params := times * (maxScopedNames() - 1); params > driver.MaxScopedNames || times != 7 {
			t.Errorf("fingerprints %t: %d names bound %d times: %d parameters, want at most %d in 7 lists",
				fingerprints, maxScopedNames()-1, times, params, driver.MaxScopedNames)
		}
	}
}

// TestCatalogRowsDecoded: the statement's rows, in whatever order the
// server sends them, give the catalog: columns in their order and only
// of base tables, keys with their rules, views with their fingerprints,
// the fingerprint table hidden.
func TestCatalogRowsDecoded(t *testing.T) {
	var r catalogRows
	for _, row := range []catalogRow{
		{kind: kindView, table: "v", a: "md5v"},
		{kind: kindColumn, table: "child", pos: 2, column: "p", a: "varchar(64)"},
		{kind: kindIndexPart, table: "child", group: "both", pos: 2, column: "id", flag: true},
		{kind: kindColumn, table: "child", pos: 1, column: "id", a: "varchar(64)", flag: true},
		{kind: kindColumn, table: "v", pos: 1, column: "id", a: "varchar(64)"},
		{kind: kindColumn, table: ViewsTable, pos: 1, column: "name", a: "varchar(64)", flag: true},
		{kind: kindTable, table: "child"},
		{kind: kindTable, table: ViewsTable},
		{kind: kindForeignPart, table: "child", group: "fk", pos: 1, column: "p", b: "parent", c: "id"},
		{kind: kindForeignRule, table: "child", group: "fk", a: "CASCADE"},
		{kind: kindIndexPart, table: "child", group: "both", pos: 1, column: "p", flag: true},
		{kind: kindIndexPart, table: "child", group: "PRIMARY", pos: 1, column: "id", flag: true},
		{kind: kindIndexPart, table: ViewsTable, group: "PRIMARY", pos: 1, column: "name", flag: true},
		{kind: kindFingerprint, table: "v", a: markerPrefix + "q:md5v"},
		{kind: kindFingerprint, table: "gone", a: markerPrefix + "q:x"},
	} {
		if err := r.scan(func(dest ...any) error {
			*dest[0].(*string), *dest[1].(*string) = row.kind, row.table
			for i, s := range []string{row.group, row.column, row.a, row.b, row.c} {
				ns := dest[[]int{2, 4, 5, 6, 7}[i]]
				if err := ns.(interface{ Scan(any) error }).Scan(nullable(s)); err != nil {
					return err
				}
			}
			*dest[3].(*int), *dest[8].(*bool) = row.pos, row.flag
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	cat := r.catalog()
	want := map[string]*model.TableState{"child": {Name: "child", Columns: []model.ColumnState{
		{Name: "id", Type: "varchar(64)", NotNull: true, PrimaryKey: true},
		{Name: "p", Type: "varchar(64)"},
	}, ForeignKeys: []model.ForeignKeyState{{Name: "fk", Columns: []string{"p"}, RefTable: "parent", RefColumns: []string{"id"}, OnDelete: model.ParseReferentialAction("CASCADE")}}}}
	if !reflect.DeepEqual(cat.Tables, want) {
		t.Errorf("tables: %+v, want %+v", cat.Tables["child"], want["child"])
	}
	if ix := cat.Indexes["both"]; ix == nil || !reflect.DeepEqual(ix.Columns, []string{"p", "id"}) || !ix.Unique {
		t.Errorf("index both: %+v, want unique (p, id)", ix)
	}
	if len(cat.Indexes) != 2 {
		t.Errorf("indexes: %v, want PRIMARY and both of child only", cat.Indexes)
	}
	if v := cat.Views["v"]; v == nil || v.Definition != "md5v" || v.Marker != markerPrefix+"q:md5v" || len(cat.Views) != 1 {
		t.Errorf("views: %v", cat.Views)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestNoFingerprints: only the server's "no such table" or "denied" about
// the fingerprint table sends the statement again without it.
func TestNoFingerprints(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1146, Message: "Table 'app." + ViewsTable + "' doesn't exist"}, true},
		{&mysql.MySQLError{Number: 1142, Message: "SELECT command denied to user 'ro'@'%' for table `app`.`" + ViewsTable + "`"}, true},
		{&mysql.MySQLError{Number: 1146, Message: "Table 'app.other' doesn't exist"}, false},
		{&mysql.MySQLError{Number: 1054, Message: "Unknown column in " + ViewsTable}, false},
		{nil, false},
	} {
		if got := noFingerprints(tc.err); got != tc.want {
			t.Errorf("%v: %t, want %t", tc.err, got, tc.want)
		}
	}
}
