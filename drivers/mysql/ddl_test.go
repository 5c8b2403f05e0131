package mysql

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/model"
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
	org := model.Table{
		Name: "client_organizations",
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "name", Type: model.Text, NotNull: true},
			{Name: "openrouter_api_key", Type: model.Text, NotNull: true},
			{Name: "markup_rate", Type: model.Real, Default: 1.3},
			{Name: "timezone", Type: model.Text, Default: "Europe/Warsaw"},
			{Name: "is_active", Type: model.Integer, Default: 1},
			{Name: "created_at", Type: model.BigInt, NotNull: true},
			{Name: "enabled", Type: model.Boolean, NotNull: true, Default: true},
			{Name: "hidden", Type: model.Boolean, Default: false},
			{Name: "meta", Type: model.JSON, Default: "{}"},
			{Name: "seen_at", Type: model.Timestamp},
			{Name: "day", Type: model.Date, Default: "2025-01-02"},
			{Name: "note", Type: model.Text, Default: `it's "x" \ ; --`},
			{Name: "neg", Type: model.Integer, Default: -1},
			{Name: "big", Type: model.BigInt, Default: int64(1 << 40)},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []model.Unique{{Columns: []string{"openrouter_api_key"}}},
	}
	members := model.Table{
		Name: "organization_members",
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "organization_id", Type: model.Text, NotNull: true},
			{Name: "user_id", Type: model.Text, NotNull: true},
			{Name: "role", Type: model.Text, Default: "member"},
			{Name: "joined_at", Type: model.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []model.Unique{{Columns: []string{"organization_id", "user_id"}}},
		ForeignKeys: []model.ForeignKey{
			{Columns: []string{"organization_id"}, RefTable: "client_organizations", RefColumns: []string{"id"}},
			{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}},
		},
	}
	weird := model.Table{
		Name:       "we`ird",
		Columns:    []model.Column{{Name: "co`l", Type: model.Text, NotNull: true}, {Name: "ü ✓", Type: model.Integer}},
		PrimaryKey: []string{"co`l", "ü ✓"},
	}
	cleanup := model.Table{
		Name: "processed_generation_cleanup_log",
		Columns: []model.Column{
			{Name: "id", Type: model.Integer, NotNull: true, AutoIncrement: true},
			{Name: "seq", Type: model.BigInt, AutoIncrement: true, Default: 5},
			{Name: "success", Type: model.Integer, NotNull: true, Default: 1},
		},
		PrimaryKey: []string{"id"},
	}

	d := offline(t)
	// The catalog after this run created the tables and added a column:
	// what the runner plans the indexes against.
	cat := model.NewCatalog()
	for _, tb := range []model.Table{org, members, weird, cleanup} {
		cat.AddTable(tb)
	}
	cat.Tables["we`ird"].Columns = append(cat.Tables["we`ird"].Columns, model.ColumnState{Name: "note", Type: string(model.Text), FromPlan: true})
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
		{"add column: no IF NOT EXISTS, text is TEXT", []string{d.AddColumn("we`ird", model.Column{Name: "note", Type: model.Text, NotNull: true, Default: "a'b"})},
			[]string{"ALTER TABLE `we``ird` ADD COLUMN `note` TEXT NOT NULL DEFAULT ('a''b')"}},
		{"add json column", []string{d.AddColumn("model", model.Column{Name: "meta", Type: model.JSON})},
			[]string{"ALTER TABLE `model` ADD COLUMN `meta` JSON"}},
		{"index on a TEXT column gets a prefix; VARCHAR and INT columns none", []string{d.CreateIndexIn(cat, model.Index{Name: "idx_org_members_org_role", Table: "organization_members", Columns: []string{"organization_id", "role", "joined_at"}})},
			[]string{"CREATE INDEX `idx_org_members_org_role` ON `organization_members` (`organization_id`, `role`(255), `joined_at`)"}},
		{"unique index; column names looked up case-insensitively", []string{d.CreateIndexIn(cat, model.Index{Name: "ux name", Table: "CLIENT_ORGANIZATIONS", Columns: []string{"NAME"}, Unique: true})},
			[]string{"CREATE UNIQUE INDEX `ux name` ON `CLIENT_ORGANIZATIONS` (`NAME`(255))"}},
		{"index on a column added in this run", []string{d.CreateIndexIn(cat, model.Index{Name: "ix", Table: "we`ird", Columns: []string{"note", "ü ✓"}})},
			[]string{"CREATE INDEX `ix` ON `we``ird` (`note`(255), `ü ✓`)"}},
		{"index on a table the driver knows nothing of: no prefix", []string{d.CreateIndexIn(cat, model.Index{Name: "ix2", Table: "elsewhere", Columns: []string{"a"}})},
			[]string{"CREATE INDEX `ix2` ON `elsewhere` (`a`)"}},
		{"drop index names its table", []string{d.DropIndex(&model.IndexState{Name: "i`x", Table: "t`1"})},
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
	d.CreateTable(model.Table{Name: "t", Columns: []model.Column{{Name: "a", Type: model.Text}, {Name: "b", Type: model.Text}}})
	cat := model.NewCatalog()
	cat.Tables["T"] = &model.TableState{Name: "T", Columns: []model.ColumnState{
		{Name: "A", Type: "varchar(64)"}, {Name: "b", Type: "text"}, {Name: "j", Type: "longtext"},
	}}
	ix := model.Index{Name: "ix", Table: "t", Columns: []string{"a", "b", "j"}}
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
		want model.ColumnType
		auto bool
		have string
		def  string
		ok   bool
	}{
		{model.Text, false, "text", "", true},
		{model.Text, false, "varchar(255)", "", true},
		{model.Text, false, "char(36)", "", true},
		{model.Text, false, "longtext", "", true},
		{model.Text, false, "int(11)", "", false},
		{model.Text, false, "blob", "", false},
		{model.Integer, false, "int(11)", "", true},
		{model.Integer, false, "int", "", true},
		{model.Integer, false, "int(10) unsigned", "", true},
		{model.Integer, false, "bigint(20)", "", true},
		{model.Integer, false, "tinyint(1)", "", true},
		{model.Integer, false, "varchar(10)", "", false},
		{model.Integer, true, "int(11)", "auto_increment", true},
		{model.Integer, true, "int(11)", "", false},
		{model.BigInt, false, "bigint(20)", "", true},
		{model.BigInt, false, "bigint", "", true},
		{model.BigInt, false, "int(11)", "", false},
		{model.Real, false, "double", "", true},
		{model.Real, false, "float", "", true},
		{model.Real, false, "decimal(10,2)", "", true},
		{model.Real, false, "int(11)", "", false},
		{model.Boolean, false, "tinyint(1)", "", true},
		{model.Boolean, false, "int(11)", "", true},
		{model.Boolean, false, "varchar(5)", "", false},
		{model.JSON, false, "json", "", true},
		{model.JSON, false, "longtext", "", true},
		{model.JSON, false, "text", "", true},
		{model.JSON, false, "int(11)", "", false},
		{model.Timestamp, false, "datetime(6)", "", true},
		{model.Timestamp, false, "timestamp", "", true},
		{model.Timestamp, false, "date", "", false},
		{model.Date, false, "date", "", true},
		{model.Date, false, "datetime", "", false},
	}
	for _, tt := range tests {
		got := d.ColumnMatches(model.Column{Name: "c", Type: tt.want, AutoIncrement: tt.auto}, model.ColumnState{Name: "c", Type: tt.have, Default: tt.def})
		if got != tt.ok {
			t.Errorf("want %s (auto %t), have %s: %t, want %t", tt.want, tt.auto, tt.have, got, tt.ok)
		}
	}
}

func TestReplaceForeignKeyIsOneAlterWithANewName(t *testing.T) {
	d := offline(t)
	want := model.ForeignKey{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}, OnDelete: model.Cascade}
	got := d.ReplaceForeignKey("organization_members", model.ForeignKeyState{Name: "organization_members_ibfk_2"}, want)
	if len(got) != 1 || got[0] != "ALTER TABLE `organization_members` DROP FOREIGN KEY `organization_members_ibfk_2`, ADD CONSTRAINT `fk_organization_members_user_id` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE" {
		t.Fatalf("got %q", got)
	}
	// Replacing the key groundwork named: another name, as InnoDB wants.
	again := d.ReplaceForeignKey("organization_members", model.ForeignKeyState{Name: "fk_organization_members_user_id"}, want)
	if !strings.Contains(again[0], "ADD CONSTRAINT `fk_organization_members_2_user_id`") {
		t.Fatalf("got %q", again)
	}
	long := foreignKeyName(strings.Repeat("t", 60), []string{"a", "b"})
	if len(long) > 64 || long != foreignKeyName(strings.Repeat("t", 60), []string{"a", "b"}) {
		t.Fatalf("long name %q", long)
	}
}
