package mysql

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"

	"github.com/groundworkdb/groundwork/core"
)

// quietDialect is mysqldialect without Init, which asks the server its
// version (and logs when there is none).
type quietDialect struct{ *mysqldialect.Dialect }

func (quietDialect) Init(*sql.DB) {}

// offline is a driver on a handle that never connects: rendering needs
// no server.
func offline(t *testing.T) *Driver {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.Addr, cfg.DBName = "127.0.0.1:1", "x"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sqldb := sql.OpenDB(connector)
	t.Cleanup(func() { _ = sqldb.Close() })
	return New(bun.NewDB(sqldb, quietDialect{mysqldialect.New()}))
}

func TestBasics(t *testing.T) {
	d := offline(t)
	if d.Dialect() != "mysql" {
		t.Errorf("Dialect() = %q", d.Dialect())
	}
	if d.Capabilities().TransactionalDDL {
		t.Errorf("DDL commits implicitly on MySQL; the driver says it is transactional")
	}
	if got := d.Quote("we`ird ü"); got != "`we``ird ü`" {
		t.Errorf("Quote = %s", got)
	}
	// "?" is the native placeholder: statements reach the server as written.
	if q := "SELECT ? FROM `a?b` WHERE x = '?'"; core.Rebind(d, q) != q {
		t.Errorf("Rebind changed %s", q)
	}
}

func TestRender(t *testing.T) {
	org := core.Table{
		Name: "client_organizations",
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "name", Type: core.Text, NotNull: true},
			{Name: "openrouter_api_key", Type: core.Text, NotNull: true},
			{Name: "markup_rate", Type: core.Real, Default: 1.3},
			{Name: "timezone", Type: core.Text, Default: "Europe/Warsaw"},
			{Name: "is_active", Type: core.Integer, Default: 1},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
			{Name: "enabled", Type: core.Boolean, NotNull: true, Default: true},
			{Name: "hidden", Type: core.Boolean, Default: false},
			{Name: "meta", Type: core.JSON, Default: "{}"},
			{Name: "seen_at", Type: core.Timestamp},
			{Name: "day", Type: core.Date, Default: "2025-01-02"},
			{Name: "note", Type: core.Text, Default: `it's "x" \ ; --`},
			{Name: "neg", Type: core.Integer, Default: -1},
			{Name: "big", Type: core.BigInt, Default: int64(1 << 40)},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"openrouter_api_key"}}},
	}
	members := core.Table{
		Name: "organization_members",
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "organization_id", Type: core.Text, NotNull: true},
			{Name: "user_id", Type: core.Text, NotNull: true},
			{Name: "role", Type: core.Text, Default: "member"},
			{Name: "joined_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"organization_id", "user_id"}}},
		ForeignKeys: []core.ForeignKey{
			{Columns: []string{"organization_id"}, RefTable: "client_organizations", RefColumns: []string{"id"}},
			{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}},
		},
	}
	weird := core.Table{
		Name:       "we`ird",
		Columns:    []core.Column{{Name: "co`l", Type: core.Text, NotNull: true}, {Name: "ü ✓", Type: core.Integer}},
		PrimaryKey: []string{"co`l", "ü ✓"},
	}
	cleanup := core.Table{
		Name: "processed_generation_cleanup_log",
		Columns: []core.Column{
			{Name: "id", Type: core.Integer, NotNull: true, AutoIncrement: true},
			{Name: "seq", Type: core.BigInt, AutoIncrement: true, Default: 5},
			{Name: "success", Type: core.Integer, NotNull: true, Default: 1},
		},
		PrimaryKey: []string{"id"},
	}

	d := offline(t)
	// The catalog after this run created the tables and added a column:
	// what the runner plans the indexes against.
	cat := core.NewCatalog()
	for _, tb := range []core.Table{org, members, weird, cleanup} {
		cat.AddTable(tb)
	}
	cat.Tables["we`ird"].Columns = append(cat.Tables["we`ird"].Columns, core.ColumnState{Name: "note", Type: string(core.Text), FromPlan: true})
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"every type and default; text keys are VARCHAR(255)", d.CreateTable(org), []string{"CREATE TABLE IF NOT EXISTS `client_organizations` (\n" +
			"  `id` VARCHAR(255) NOT NULL,\n" +
			"  `name` TEXT NOT NULL,\n" +
			"  `openrouter_api_key` VARCHAR(255) NOT NULL,\n" +
			"  `markup_rate` DOUBLE DEFAULT 1.3,\n" +
			"  `timezone` TEXT DEFAULT ('Europe/Warsaw'),\n" +
			"  `is_active` INT DEFAULT 1,\n" +
			"  `created_at` BIGINT NOT NULL,\n" +
			"  `enabled` BOOLEAN NOT NULL DEFAULT TRUE,\n" +
			"  `hidden` BOOLEAN DEFAULT FALSE,\n" +
			"  `meta` JSON DEFAULT ('{}'),\n" +
			"  `seen_at` DATETIME(6),\n" +
			"  `day` DATE DEFAULT ('2025-01-02'),\n" +
			"  `note` TEXT DEFAULT (CONCAT('it''s \"x\" ', CHAR(92 USING ascii), ' ; --')),\n" +
			"  `neg` INT DEFAULT -1,\n" +
			"  `big` BIGINT DEFAULT 1099511627776,\n" +
			"  PRIMARY KEY (`id`),\n" +
			"  UNIQUE (`openrouter_api_key`)\n" +
			") ENGINE=InnoDB"}},
		{"foreign keys and a composite unique inline; the user table quoted", d.CreateTable(members), []string{"CREATE TABLE IF NOT EXISTS `organization_members` (\n" +
			"  `id` VARCHAR(255) NOT NULL,\n" +
			"  `organization_id` VARCHAR(255) NOT NULL,\n" +
			"  `user_id` VARCHAR(255) NOT NULL,\n" +
			"  `role` TEXT DEFAULT ('member'),\n" +
			"  `joined_at` BIGINT NOT NULL,\n" +
			"  PRIMARY KEY (`id`),\n" +
			"  UNIQUE (`organization_id`, `user_id`),\n" +
			"  FOREIGN KEY (`organization_id`) REFERENCES `client_organizations` (`id`),\n" +
			"  FOREIGN KEY (`user_id`) REFERENCES `user` (`id`)\n" +
			") ENGINE=InnoDB"}},
		{"backticks doubled, composite primary key", d.CreateTable(weird), []string{"CREATE TABLE IF NOT EXISTS `we``ird` (\n" +
			"  `co``l` VARCHAR(255) NOT NULL,\n" +
			"  `ü ✓` INT,\n" +
			"  PRIMARY KEY (`co``l`, `ü ✓`)\n" +
			") ENGINE=InnoDB"}},
		{"auto-increment takes no default", d.CreateTable(cleanup), []string{"CREATE TABLE IF NOT EXISTS `processed_generation_cleanup_log` (\n" +
			"  `id` INT NOT NULL AUTO_INCREMENT,\n" +
			"  `seq` BIGINT NOT NULL AUTO_INCREMENT,\n" +
			"  `success` INT NOT NULL DEFAULT 1,\n" +
			"  PRIMARY KEY (`id`)\n" +
			") ENGINE=InnoDB"}},
		{"add column: no IF NOT EXISTS, text is TEXT", []string{d.AddColumn("we`ird", core.Column{Name: "note", Type: core.Text, NotNull: true, Default: "a'b"})},
			[]string{"ALTER TABLE `we``ird` ADD COLUMN `note` TEXT NOT NULL DEFAULT ('a''b')"}},
		{"add json column", []string{d.AddColumn("model", core.Column{Name: "meta", Type: core.JSON})},
			[]string{"ALTER TABLE `model` ADD COLUMN `meta` JSON"}},
		{"index on a TEXT column gets a prefix; VARCHAR and INT columns none", []string{d.CreateIndexIn(cat, core.Index{Name: "idx_org_members_org_role", Table: "organization_members", Columns: []string{"organization_id", "role", "joined_at"}})},
			[]string{"CREATE INDEX `idx_org_members_org_role` ON `organization_members` (`organization_id`, `role`(255), `joined_at`)"}},
		{"unique index; column names looked up case-insensitively", []string{d.CreateIndexIn(cat, core.Index{Name: "ux name", Table: "CLIENT_ORGANIZATIONS", Columns: []string{"NAME"}, Unique: true})},
			[]string{"CREATE UNIQUE INDEX `ux name` ON `CLIENT_ORGANIZATIONS` (`NAME`(255))"}},
		{"index on a column added in this run", []string{d.CreateIndexIn(cat, core.Index{Name: "ix", Table: "we`ird", Columns: []string{"note", "ü ✓"}})},
			[]string{"CREATE INDEX `ix` ON `we``ird` (`note`(255), `ü ✓`)"}},
		{"index on a table the driver knows nothing of: no prefix", []string{d.CreateIndexIn(cat, core.Index{Name: "ix2", Table: "elsewhere", Columns: []string{"a"}})},
			[]string{"CREATE INDEX `ix2` ON `elsewhere` (`a`)"}},
		{"drop index names its table", []string{d.DropIndex(&core.IndexState{Name: "i`x", Table: "t`1"})},
			[]string{"DROP INDEX `i``x` ON `t``1`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Join(tt.got, "\n;\n") != strings.Join(tt.want, "\n;\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(tt.got, "\n;\n"), strings.Join(tt.want, "\n;\n"))
			}
		})
	}
}

// TestIndexPrefixFromInspect: an inspected column's native type decides
// (one someone else made VARCHAR gets no prefix, a LONGTEXT one does),
// and the rendering depends on the catalog given alone: no earlier
// CreateTable or Inspect of the same driver changes it.
func TestIndexPrefixFromInspect(t *testing.T) {
	d := offline(t)
	d.CreateTable(core.Table{Name: "t", Columns: []core.Column{{Name: "a", Type: core.Text}, {Name: "b", Type: core.Text}}})
	cat := core.NewCatalog()
	cat.Tables["T"] = &core.TableState{Name: "T", Columns: []core.ColumnState{
		{Name: "A", Type: "varchar(64)"}, {Name: "b", Type: "text"}, {Name: "j", Type: "longtext"},
	}}
	ix := core.Index{Name: "ix", Table: "t", Columns: []string{"a", "b", "j"}}
	if got, want := d.CreateIndexIn(cat, ix), "CREATE INDEX `ix` ON `t` (`a`, `b`(255), `j`(255))"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got, want := d.CreateIndex(ix), "CREATE INDEX `ix` ON `t` (`a`, `b`, `j`)"; got != want {
		t.Fatalf("without a catalog: got  %s\nwant %s", got, want)
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"plain", "'plain'"},
		{"", "''"},
		{"it's", "'it''s'"},
		{`a\b`, `CONCAT('a', CHAR(92 USING ascii), 'b')`},
		{`\`, `CONCAT(CHAR(92 USING ascii))`},
		{`\'\`, `CONCAT(CHAR(92 USING ascii), '''', CHAR(92 USING ascii))`},
		{"zażółć ✓ ?", "'zażółć ✓ ?'"},
		{true, "TRUE"},
		{false, "FALSE"},
		{42, "42"},
		{int64(-7), "-7"},
		{uint8(3), "3"},
		{1.3, "1.3"},
		{float32(0.5), "0.5"},
		{1e21, "1e+21"},
		{nil, "NULL"},
	}
	for _, tt := range tests {
		if got := literal(tt.in); got != tt.want {
			t.Errorf("literal(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestColumnMatches(t *testing.T) {
	d := offline(t)
	tests := []struct {
		want core.ColumnType
		auto bool
		have string
		def  string
		ok   bool
	}{
		{core.Text, false, "text", "", true},
		{core.Text, false, "varchar(255)", "", true},
		{core.Text, false, "char(36)", "", true},
		{core.Text, false, "longtext", "", true},
		{core.Text, false, "int(11)", "", false},
		{core.Text, false, "blob", "", false},
		{core.Integer, false, "int(11)", "", true},
		{core.Integer, false, "int", "", true},
		{core.Integer, false, "int(10) unsigned", "", true},
		{core.Integer, false, "bigint(20)", "", true},
		{core.Integer, false, "tinyint(1)", "", true},
		{core.Integer, false, "varchar(10)", "", false},
		{core.Integer, true, "int(11)", "auto_increment", true},
		{core.Integer, true, "int(11)", "", false},
		{core.BigInt, false, "bigint(20)", "", true},
		{core.BigInt, false, "bigint", "", true},
		{core.BigInt, false, "int(11)", "", false},
		{core.Real, false, "double", "", true},
		{core.Real, false, "float", "", true},
		{core.Real, false, "decimal(10,2)", "", true},
		{core.Real, false, "int(11)", "", false},
		{core.Boolean, false, "tinyint(1)", "", true},
		{core.Boolean, false, "int(11)", "", true},
		{core.Boolean, false, "varchar(5)", "", false},
		{core.JSON, false, "json", "", true},
		{core.JSON, false, "longtext", "", true},
		{core.JSON, false, "text", "", true},
		{core.JSON, false, "int(11)", "", false},
		{core.Timestamp, false, "datetime(6)", "", true},
		{core.Timestamp, false, "timestamp", "", true},
		{core.Timestamp, false, "date", "", false},
		{core.Date, false, "date", "", true},
		{core.Date, false, "datetime", "", false},
	}
	for _, tt := range tests {
		got := d.ColumnMatches(core.Column{Name: "c", Type: tt.want, AutoIncrement: tt.auto}, core.ColumnState{Name: "c", Type: tt.have, Default: tt.def})
		if got != tt.ok {
			t.Errorf("want %s (auto %t), have %s: %t, want %t", tt.want, tt.auto, tt.have, got, tt.ok)
		}
	}
}

func TestReplaceForeignKeyIsOneAlterWithANewName(t *testing.T) {
	d := offline(t)
	want := core.ForeignKey{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}, OnDelete: core.Cascade}
	got := d.ReplaceForeignKey("organization_members", core.ForeignKeyState{Name: "organization_members_ibfk_2"}, want)
	if len(got) != 1 || got[0] != "ALTER TABLE `organization_members` DROP FOREIGN KEY `organization_members_ibfk_2`, ADD CONSTRAINT `fk_organization_members_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE" {
		t.Fatalf("got %q", got)
	}
	// Replacing the key groundwork named: another name, as InnoDB wants.
	again := d.ReplaceForeignKey("organization_members", core.ForeignKeyState{Name: "fk_organization_members_user_id"}, want)
	if !strings.Contains(again[0], "ADD CONSTRAINT `fk_organization_members_2_user_id`") {
		t.Fatalf("got %q", again)
	}
	long := foreignKeyName(strings.Repeat("t", 60), []string{"a", "b"})
	if len(long) > 64 || long != foreignKeyName(strings.Repeat("t", 60), []string{"a", "b"}) {
		t.Fatalf("long name %q", long)
	}
}
