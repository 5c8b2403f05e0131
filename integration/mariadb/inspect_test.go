//go:build integration

package mariadb_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/integration/kit"
)

// mustExec runs statements on the driver's pool, arguments bound by the
// server as core.Session.Exec binds them.
func mustExec(t *testing.T, d core.Driver, query string, args ...any) sql.Result {
	t.Helper()
	res, err := d.DB().DB.ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return res
}

// admin is a connection to the server as root, closed when the test ends.
func admin(t *testing.T) *sql.DB {
	t.Helper()
	cfg, err := gomysql.ParseDSN(kit.SharedMariaDB(t).AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func inspect(t *testing.T, d core.Driver) *core.Catalog {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// handMade is a schema written by hand, the way a host application or an
// older tool would have made it.
var handMade = []string{
	"CREATE TABLE `user` (id VARCHAR(64) PRIMARY KEY, email VARCHAR(200), role TEXT NOT NULL DEFAULT 'user', created_at BIGINT)",
	"CREATE TABLE model (id VARCHAR(255) PRIMARY KEY, name TEXT, is_active BOOLEAN NOT NULL DEFAULT TRUE, meta JSON)",
	"CREATE TABLE `we\"ird ü` (`a,b` VARCHAR(20) NOT NULL, `c``d` INT NOT NULL, `{e}` LONGTEXT, at DATETIME(6), day DATE, " +
		"r DOUBLE DEFAULT 1.3, n DECIMAL(10,2), PRIMARY KEY (`c``d`, `a,b`))",
	"CREATE TABLE organization_models (" +
		" id VARCHAR(255) PRIMARY KEY, organization_id VARCHAR(255) NOT NULL, model_id VARCHAR(255) NOT NULL," +
		" user_id VARCHAR(64), wa VARCHAR(20), wc INT, is_active INT DEFAULT 1, seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE," +
		" CONSTRAINT om_unique UNIQUE (organization_id, model_id)," +
		" CONSTRAINT om_user FOREIGN KEY (user_id) REFERENCES `user` (id) ON DELETE CASCADE," +
		" FOREIGN KEY (model_id) REFERENCES model (id)," +
		" CONSTRAINT om_weird FOREIGN KEY (wc, wa) REFERENCES `we\"ird ü` (`c``d`, `a,b`))",
	"CREATE INDEX idx_org_models_org_active ON organization_models (organization_id, is_active)",
	"CREATE UNIQUE INDEX `idx \"quoted\"` ON `we\"ird ü` (`{e}`(100), day)",
	"CREATE INDEX idx_active ON model (is_active)",
	"CREATE INDEX idx_active ON `user` (role(20))",
	"CREATE VIEW active_models AS SELECT m.id, m.name FROM model m WHERE m.is_active",
	"CREATE SEQUENCE gw_seq",
}

func TestInspectHandMade(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	for _, q := range handMade {
		mustExec(t, d, q)
	}
	// An object in another database must not show up.
	_, other := newDatabase(t)
	mustExec(t, open(t, other), "CREATE TABLE gw_elsewhere (id INT)")

	cat := inspect(t, d)
	col := func(name, typ string, notNull bool, def string, pk bool) core.ColumnState {
		return core.ColumnState{Name: name, Type: typ, NotNull: notNull, Default: def, PrimaryKey: pk}
	}
	wantTables := map[string]*core.TableState{
		"user": {Name: "user", Columns: []core.ColumnState{
			col("id", "varchar(64)", true, "", true),
			col("email", "varchar(200)", false, "NULL", false),
			col("role", "text", true, "'user'", false),
			col("created_at", "bigint(20)", false, "NULL", false),
		}},
		"model": {Name: "model", Columns: []core.ColumnState{
			col("id", "varchar(255)", true, "", true),
			col("name", "text", false, "NULL", false),
			col("is_active", "tinyint(1)", true, "1", false),
			col("meta", "longtext", false, "NULL", false),
		}},
		`we"ird ü`: {Name: `we"ird ü`, Columns: []core.ColumnState{
			col("a,b", "varchar(20)", true, "", true),
			col("c`d", "int(11)", true, "", true),
			col("{e}", "longtext", false, "NULL", false),
			col("at", "datetime(6)", false, "NULL", false),
			col("day", "date", false, "NULL", false),
			col("r", "double", false, "1.3", false),
			col("n", "decimal(10,2)", false, "NULL", false),
		}},
		"organization_models": {Name: "organization_models", Columns: []core.ColumnState{
			col("id", "varchar(255)", true, "", true),
			col("organization_id", "varchar(255)", true, "", false),
			col("model_id", "varchar(255)", true, "", false),
			col("user_id", "varchar(64)", false, "NULL", false),
			col("wa", "varchar(20)", false, "NULL", false),
			col("wc", "int(11)", false, "NULL", false),
			col("is_active", "int(11)", false, "1", false),
			col("seq", "bigint(20) unsigned", true, "auto_increment", false),
		}, ForeignKeys: []core.ForeignKeyState{
			// MariaDB reports an unspecified action as RESTRICT.
			{Name: "organization_models_ibfk_1", Columns: []string{"model_id"}, RefTable: "model", RefColumns: []string{"id"}, OnDelete: core.Restrict},
			{Name: "om_user", Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}, OnDelete: core.Cascade},
			{Name: "om_weird", Columns: []string{"wc", "wa"}, RefTable: `we"ird ü`, RefColumns: []string{"c`d", "a,b"}, OnDelete: core.Restrict},
		}},
	}
	drivertest.WantTables(t, cat.Tables, wantTables)

	// PRIMARY is on four tables and idx_active on two: the first table's
	// index is under the bare name, marked so that nothing drops it for
	// another table's, the others under "name (table)". The index MariaDB
	// made for the foreign key om_user carries its name and backs it.
	wantIndexes := map[string]*core.IndexState{
		"PRIMARY":                       {Name: "PRIMARY", Table: "model", Columns: []string{"id"}, Unique: true, Constraint: true},
		"PRIMARY (organization_models)": {Name: "PRIMARY", Table: "organization_models", Columns: []string{"id"}, Unique: true, Constraint: true},
		"PRIMARY (user)":                {Name: "PRIMARY", Table: "user", Columns: []string{"id"}, Unique: true, Constraint: true},
		`PRIMARY (we"ird ü)`:            {Name: "PRIMARY", Table: `we"ird ü`, Columns: []string{"c`d", "a,b"}, Unique: true, Constraint: true},
		"idx_active":                    {Name: "idx_active", Table: "model", Columns: []string{"is_active"}, Constraint: true},
		"idx_active (user)":             {Name: "idx_active", Table: "user", Columns: []string{"role"}},
		"om_unique":                     {Name: "om_unique", Table: "organization_models", Columns: []string{"organization_id", "model_id"}, Unique: true},
		"seq":                           {Name: "seq", Table: "organization_models", Columns: []string{"seq"}, Unique: true},
		"model_id":                      {Name: "model_id", Table: "organization_models", Columns: []string{"model_id"}},
		"om_user":                       {Name: "om_user", Table: "organization_models", Columns: []string{"user_id"}, Constraint: true},
		"om_weird":                      {Name: "om_weird", Table: "organization_models", Columns: []string{"wc", "wa"}, Constraint: true},
		"idx_org_models_org_active":     {Name: "idx_org_models_org_active", Table: "organization_models", Columns: []string{"organization_id", "is_active"}},
		`idx "quoted"`:                  {Name: `idx "quoted"`, Table: `we"ird ü`, Columns: []string{"{e}", "day"}, Unique: true},
	}
	drivertest.WantIndexes(t, cat.Indexes, wantIndexes)
	if !cat.HasUniqueOn("organization_models", []string{"model_id", "organization_id"}) {
		t.Errorf("the composite unique constraint is not seen")
	}

	if len(cat.Views) != 1 || cat.Views["active_models"] == nil {
		t.Fatalf("views: %v", cat.Views)
	}
	var md5 string
	if err := d.DB().QueryRowContext(context.Background(),
		"SELECT MD5(VIEW_DEFINITION) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'active_models'").Scan(&md5); err != nil {
		t.Fatal(err)
	}
	if v := cat.Views["active_models"]; v.Marker != "" || v.Definition != md5 {
		t.Errorf("view = %+v, want no marker and definition %s", v, md5)
	}

	// The types a hand-made schema gives are the ones its columns serve.
	for _, c := range []struct {
		table, column string
		want          core.ColumnType
	}{
		{"model", "meta", core.JSON}, {"model", "is_active", core.Boolean}, {"user", "created_at", core.BigInt},
		{`we"ird ü`, "at", core.Timestamp}, {`we"ird ü`, "r", core.Real}, {`we"ird ü`, "n", core.Real}, {"user", "role", core.Text},
	} {
		have := cat.Tables[c.table].Column(c.column)
		if have == nil || !d.ColumnMatches(core.Column{Name: c.column, Type: c.want}, *have) {
			t.Errorf("%s.%s (%+v) does not serve %s", c.table, c.column, have, c.want)
		}
	}
}

// TestInspectHidesFingerprints: groundwork's table of view fingerprints is
// bookkeeping, not one of the database's tables.
func TestInspectHidesFingerprints(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	mustExec(t, d, "CREATE TABLE t (id INT PRIMARY KEY)")
	for _, s := range d.CreateView(core.View{Name: "v", Query: func(core.Quoter) string { return "SELECT id FROM t" }}) {
		mustExec(t, d, s)
	}
	cat := inspect(t, d)
	if cat.Tables[mysql.ViewsTable] != nil || len(cat.Tables) != 1 {
		t.Fatalf("tables %v, want only t", keys(cat.Tables))
	}
	for k, ix := range cat.Indexes {
		if ix.Table == mysql.ViewsTable {
			t.Fatalf("index %s of the fingerprint table is in the catalog", k)
		}
	}
	if v := cat.Views["v"]; v == nil || !strings.HasPrefix(v.Marker, "groundwork:v1:") {
		t.Fatalf("view v = %+v, want its fingerprint", v)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestInspectQueryCount: the catalog costs CatalogQueries queries for 2
// tables and for 40 once groundwork's fingerprint table exists, one more
// (the statement naming the table fails) while it does not.
func TestInspectQueryCount(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	countInspect := func() (int64, *core.Catalog) {
		c := &core.Counter{}
		cat, err := d.Inspect(core.WithCounter(context.Background(), c), d.DB())
		if err != nil {
			t.Fatal(err)
		}
		return c.Load(), cat
	}
	create := func(from, to int) {
		for i := from; i < to; i++ {
			ref := ""
			if i > 0 {
				ref = ", p VARCHAR(64) REFERENCES t00 (id)"
			}
			mustExec(t, d, fmt.Sprintf("CREATE TABLE t%02d (id VARCHAR(64) PRIMARY KEY, v INT UNIQUE%s)", i, ref))
			mustExec(t, d, fmt.Sprintf("CREATE INDEX t%02d_v ON t%02d (v, id)", i, i))
			mustExec(t, d, fmt.Sprintf("CREATE VIEW v%02d AS SELECT id FROM t%02d", i, i))
		}
	}
	create(0, 2)
	small, cat := countInspect()
	if len(cat.Tables) != 2 || len(cat.Views) != 2 {
		t.Fatalf("catalog of 2 tables: %d tables, %d views", len(cat.Tables), len(cat.Views))
	}
	create(2, 40)
	large, cat := countInspect()
	if len(cat.Tables) != 40 || len(cat.Views) != 40 {
		t.Fatalf("catalog of 40 tables: %d tables, %d views", len(cat.Tables), len(cat.Views))
	}
	applyAll(t, d, d.CreateView(core.View{Name: "v00", Query: func(core.Quoter) string { return "SELECT id FROM t00" }}))
	marked, cat := countInspect()
	if cat.Views["v00"].Marker == "" || cat.Views["v01"].Marker != "" {
		t.Fatalf("fingerprints: v00 %+v, v01 %+v", cat.Views["v00"], cat.Views["v01"])
	}
	if small != mysql.CatalogQueries+1 || large != mysql.CatalogQueries+1 || marked != mysql.CatalogQueries {
		t.Fatalf("inspect made %d queries for 2 tables, %d for 40 without fingerprints, %d with; want %d, %d, %d",
			small, large, marked, mysql.CatalogQueries+1, mysql.CatalogQueries+1, mysql.CatalogQueries)
	}
}
