package postgres

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/model"
)

// offline is a driver on a handle that never connects: rendering needs
// no server.
func offline(t *testing.T) *Driver {
	t.Helper()
	sqldb, err := sql.Open("pgx", "postgres://x@127.0.0.1:1/x")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqldb.Close() })
	return New(bun.NewDB(sqldb, pgdialect.New()))
}

func TestBasics(t *testing.T) {
	d := offline(t)
	if d.Dialect() != "postgres" {
		t.Errorf("Dialect() = %q", d.Dialect())
	}
	if !d.Capabilities().TransactionalDDL {
		t.Errorf("DDL is transactional on PostgreSQL")
	}
	if got := d.Quote(`we"ird`); got != `"we""ird"` {
		t.Errorf("Quote = %s", got)
	}
	if got := d.Placeholder(12); got != "$12" {
		t.Errorf("Placeholder(12) = %s", got)
	}
	if got := core.Rebind(d, `SELECT ? FROM "a?b" WHERE x = '?' AND y = ?`); got != `SELECT $1 FROM "a?b" WHERE x = '?' AND y = $2` {
		t.Errorf("Rebind = %s", got)
	}
}

func TestRender(t *testing.T) {
	d := offline(t)
	org := model.Table{
		Name: "client_organizations",
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "name", Type: model.Text, NotNull: true},
			{Name: "markup_rate", Type: model.Real, Default: 1.3},
			{Name: "timezone", Type: model.Text, Default: "Europe/Warsaw"},
			{Name: "is_active", Type: model.Integer, Default: 1},
			{Name: "created_at", Type: model.BigInt, NotNull: true},
			{Name: "enabled", Type: model.Boolean, NotNull: true, Default: true},
			{Name: "hidden", Type: model.Boolean, Default: false},
			{Name: "meta", Type: model.JSON, Default: "{}"},
			{Name: "seen_at", Type: model.Timestamp},
			{Name: "day", Type: model.Date},
			{Name: "note", Type: model.Text, Default: `it's "x" \ ; --`},
			{Name: "neg", Type: model.Integer, Default: -1},
			{Name: "big", Type: model.BigInt, Default: int64(1 << 40)},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []model.Unique{{Columns: []string{"name"}}, {Columns: []string{"name", "timezone"}}},
	}
	members := model.Table{
		Name: "organization_members",
		Columns: []model.Column{
			{Name: "id", Type: model.Text, NotNull: true},
			{Name: "organization_id", Type: model.Text, NotNull: true},
			{Name: "user_id", Type: model.Text, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []model.Unique{{Columns: []string{"organization_id", "user_id"}}},
		ForeignKeys: []model.ForeignKey{
			{Columns: []string{"organization_id"}, RefTable: "client_organizations", RefColumns: []string{"id"}},
			{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}},
		},
	}
	user := model.Table{
		Name:       "user",
		Columns:    []model.Column{{Name: "id", Type: model.Text, NotNull: true}, {Name: "email", Type: model.Text}},
		PrimaryKey: []string{"id"},
	}
	weird := model.Table{
		Name:       `we"ird`,
		Columns:    []model.Column{{Name: `co"l`, Type: model.Text, NotNull: true}, {Name: "ü ✓", Type: model.Integer}},
		PrimaryKey: []string{`co"l`, "ü ✓"},
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
	view := model.View{Name: "user_available_models", Query: func(q model.Quoter) string {
		return "\n  SELECT u.id FROM " + q.Quote("user") + " u WHERE u.role <> 'pending';\n"
	}}
	viewHash := sqlkit.QueryFingerprint(`SELECT u.id FROM "user" u WHERE u.role <> 'pending'`)
	stamp := func(lit string) string {
		return "DO $gw$\nDECLARE\n  def text;\nBEGIN\n" +
			"  SELECT pg_get_viewdef(c.oid, true) INTO STRICT def\n" +
			"    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace\n" +
			"   WHERE n.nspname = current_schema() AND c.relkind = 'v' AND c.relname = " + lit + ";\n" +
			"  EXECUTE format('COMMENT ON VIEW %I.%I IS %L', current_schema(), " + lit + ", 'groundwork:v1:" + viewHash + ":' || md5(def));\n" +
			"END\n$gw$"
	}
	createView := `CREATE OR REPLACE VIEW "user_available_models" AS SELECT u.id FROM "user" u WHERE u.role <> 'pending'`

	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"create table with every type and default", d.CreateTable(org), []string{`CREATE TABLE IF NOT EXISTS "client_organizations" (
  "id" text NOT NULL,
  "name" text NOT NULL,
  "markup_rate" double precision DEFAULT 1.3,
  "timezone" text DEFAULT 'Europe/Warsaw',
  "is_active" integer DEFAULT 1,
  "created_at" bigint NOT NULL,
  "enabled" boolean NOT NULL DEFAULT TRUE,
  "hidden" boolean DEFAULT FALSE,
  "meta" json DEFAULT '{}',
  "seen_at" timestamp with time zone,
  "day" date,
  "note" text DEFAULT 'it''s "x" \ ; --',
  "neg" integer DEFAULT -1,
  "big" bigint DEFAULT 1099511627776,
  PRIMARY KEY ("id"),
  UNIQUE ("name"),
  UNIQUE ("name", "timezone")
)`}},
		{"create table with foreign keys", d.CreateTable(members), []string{`CREATE TABLE IF NOT EXISTS "organization_members" (
  "id" text NOT NULL,
  "organization_id" text NOT NULL,
  "user_id" text NOT NULL,
  PRIMARY KEY ("id"),
  UNIQUE ("organization_id", "user_id"),
  FOREIGN KEY ("organization_id") REFERENCES "client_organizations" ("id"),
  FOREIGN KEY ("user_id") REFERENCES "user" ("id")
)`}},
		{"create table user", d.CreateTable(user), []string{`CREATE TABLE IF NOT EXISTS "user" (
  "id" text NOT NULL,
  "email" text,
  PRIMARY KEY ("id")
)`}},
		{"create table with quotes and unicode", d.CreateTable(weird), []string{`CREATE TABLE IF NOT EXISTS "we""ird" (
  "co""l" text NOT NULL,
  "ü ✓" integer,
  PRIMARY KEY ("co""l", "ü ✓")
)`}},
		{"create table with identity", d.CreateTable(cleanup), []string{`CREATE TABLE IF NOT EXISTS "processed_generation_cleanup_log" (
  "id" integer GENERATED BY DEFAULT AS IDENTITY,
  "seq" bigint GENERATED BY DEFAULT AS IDENTITY,
  "success" integer NOT NULL DEFAULT 1,
  PRIMARY KEY ("id")
)`}},
		{"add column", []string{d.AddColumn("user", model.Column{Name: "is_active", Type: model.Integer, NotNull: true, Default: 1})},
			[]string{`ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "is_active" integer NOT NULL DEFAULT 1`}},
		{"add column to a quoted table", []string{d.AddColumn(`we"ird`, model.Column{Name: "doc", Type: model.JSON})},
			[]string{`ALTER TABLE "we""ird" ADD COLUMN IF NOT EXISTS "doc" json`}},
		{"create index", []string{d.CreateIndex(model.Index{Name: "idx_org_members_user_active", Table: "organization_members", Columns: []string{"user_id", "is_active"}})},
			[]string{`CREATE INDEX IF NOT EXISTS "idx_org_members_user_active" ON "organization_members" ("user_id", "is_active")`}},
		{"create unique index", []string{d.CreateIndex(model.Index{Name: "idx_org_models_org_model", Table: "organization_models", Columns: []string{"organization_id", "model_id"}, Unique: true})},
			[]string{`CREATE UNIQUE INDEX IF NOT EXISTS "idx_org_models_org_model" ON "organization_models" ("organization_id", "model_id")`}},
		{"create index on user", []string{d.CreateIndex(model.Index{Name: `i"x`, Table: "user", Columns: []string{"email"}})},
			[]string{`CREATE INDEX IF NOT EXISTS "i""x" ON "user" ("email")`}},
		{"drop index", []string{d.DropIndex(&model.IndexState{Name: `i"x`, Table: "user"})},
			[]string{`DROP INDEX IF EXISTS "i""x"`}},
		{"create view", d.CreateView(view), []string{createView, stamp("E'user_available_models'")}},
		{"replace view", d.ReplaceView(view), []string{`DROP VIEW IF EXISTS "user_available_models"`, createView, stamp("E'user_available_models'")}},
		{"insert ignore", []string{d.InsertIgnore("organization_members", []string{"id", "user_id"}, `SELECT u.id, u.id FROM "user" u`)},
			[]string{`INSERT INTO "organization_members" ("id", "user_id") SELECT u.id, u.id FROM "user" u ON CONFLICT DO NOTHING`}},
		{"upsert", []string{d.Upsert("client_organizations", []string{"id", "name", "openrouter_api_key", "created_at", "updated_at"},
			[]string{"id"}, []string{"name", "openrouter_api_key"}, []string{"updated_at"})},
			[]string{`INSERT INTO "client_organizations" ("id", "name", "openrouter_api_key", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?) ` +
				`ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "openrouter_api_key" = EXCLUDED."openrouter_api_key", "updated_at" = EXCLUDED."updated_at" ` +
				`WHERE ("client_organizations"."name"::text, "client_organizations"."openrouter_api_key"::text) IS DISTINCT FROM (EXCLUDED."name"::text, EXCLUDED."openrouter_api_key"::text)`}},
		{"upsert into user, one compare column", []string{d.Upsert("user", []string{"id", "name"}, []string{"id"}, []string{"name"}, nil)},
			[]string{`INSERT INTO "user" ("id", "name") VALUES (?, ?) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name" WHERE ("user"."name"::text) IS DISTINCT FROM (EXCLUDED."name"::text)`}},
		{"upsert without compare columns", []string{d.Upsert("user", []string{"id"}, []string{"id"}, nil, []string{"id"})},
			[]string{`INSERT INTO "user" ("id") VALUES (?) ON CONFLICT ("id") DO NOTHING`}},
		{"cast", []string{d.Cast("?", model.Text), d.Cast("?", model.BigInt), d.Cast("x", model.Timestamp)},
			[]string{"CAST(? AS text)", "CAST(? AS bigint)", "CAST(x AS timestamp with time zone)"}},
		{"concat", []string{d.Concat("a", "?", "b.c"), d.Concat()},
			[]string{"(CAST(a AS text) || CAST(? AS text) || CAST(b.c AS text))", "''"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Join(tc.got, "\n;\n") != strings.Join(tc.want, "\n;\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(tc.got, "\n;\n"), strings.Join(tc.want, "\n;\n"))
			}
		})
	}
}

// TestStampQuoting: the DO block survives view names that contain a
// quote, a backslash, the default dollar-quote tag or "?", and core.Rebind
// leaves it as it is.
func TestStampQuoting(t *testing.T) {
	d := offline(t)
	for _, name := range []string{`it's`, `a\'b`, `$$`, `x$gw$y`, `$gw$$gw1$`, `what?`, `%I %L`} {
		st := d.stampView(name, "h")
		tag := st[3:strings.Index(st, "\n")]
		body := strings.TrimSuffix(strings.TrimPrefix(st, "DO "+tag), tag)
		if strings.Contains(body, tag) {
			t.Errorf("%q: tag %s occurs in the body", name, tag)
		}
		if !strings.Contains(body, escapeLiteral(name)) {
			t.Errorf("%q: body lacks the literal %s", name, escapeLiteral(name))
		}
		if core.Rebind(d, st) != st {
			t.Errorf("%q: Rebind changed the statement", name)
		}
	}
	if got := escapeLiteral(`a'b\c`); got != `E'a''b\\c'` {
		t.Errorf("escapeLiteral = %s", got)
	}
}

func TestColumnMatches(t *testing.T) {
	d := offline(t)
	yes := map[model.ColumnType][]string{
		model.Text:      {"text", "character varying", "character varying(255)", "character(10)", "varchar(20)"},
		model.Integer:   {"integer", "smallint", "bigint"},
		model.BigInt:    {"bigint"},
		model.Real:      {"real", "double precision", "numeric", "numeric(10,2)"},
		model.Boolean:   {"boolean", "integer", "smallint"},
		model.JSON:      {"json", "jsonb", "text"},
		model.Timestamp: {"timestamp with time zone", "timestamp without time zone", "timestamp(3) with time zone"},
		model.Date:      {"date"},
	}
	no := map[model.ColumnType][]string{
		model.Text:      {"integer", "json", "bytea"},
		model.Integer:   {"text", "numeric", "boolean", "real"},
		model.BigInt:    {"integer", "smallint", "numeric", "text"},
		model.Real:      {"integer", "text"},
		model.Boolean:   {"text", "bigint"},
		model.JSON:      {"integer", "bytea"},
		model.Timestamp: {"date", "bigint", "time with time zone"},
		model.Date:      {"timestamp with time zone", "text"},
	}
	for typ, list := range yes {
		for _, have := range list {
			if !d.ColumnMatches(model.Column{Name: "c", Type: typ}, model.ColumnState{Name: "c", Type: have}) {
				t.Errorf("%s should serve %s", have, typ)
			}
		}
	}
	for typ, list := range no {
		for _, have := range list {
			if d.ColumnMatches(model.Column{Name: "c", Type: typ}, model.ColumnState{Name: "c", Type: have}) {
				t.Errorf("%s should not serve %s", have, typ)
			}
		}
	}
	auto := model.Column{Name: "id", Type: model.Integer, AutoIncrement: true}
	for def, want := range map[string]bool{
		"generated by default as identity": true,
		"generated always as identity":     true,
		"nextval('t_id_seq'::regclass)":    true,
		"":                                 false,
		"0":                                false,
	} {
		if got := d.ColumnMatches(auto, model.ColumnState{Name: "id", Type: "integer", Default: def}); got != want {
			t.Errorf("auto-increment over default %q: %t, want %t", def, got, want)
		}
	}
}

func TestViewMatchesOffline(t *testing.T) {
	d := offline(t)
	v := model.View{Name: "v", Query: func(model.Quoter) string { return "SELECT 1 AS one" }}
	h := sqlkit.QueryFingerprint("SELECT 1 AS one")
	for _, tc := range []struct {
		marker, def string
		want        bool
	}{
		{"groundwork:v1:" + h + ":abc", "abc", true},
		{"groundwork:v1:" + h + ":abc", "abd", false},                                   // replaced behind our back
		{"groundwork:v1:" + sqlkit.QueryFingerprint("SELECT 2") + ":abc", "abc", false}, // declaration changed
		{"", "abc", false},                   // not ours
		{"groundwork:v1:" + h, "abc", false}, // malformed
		{"groundwork:v1:" + h + ":", "", false},
	} {
		if got := d.ViewMatches(v, &model.ViewState{Name: "v", Definition: tc.def, Marker: tc.marker}); got != tc.want {
			t.Errorf("marker %q over %q: %t, want %t", tc.marker, tc.def, got, tc.want)
		}
	}
	// White space alone does not change the fingerprint.
	v2 := model.View{Name: "v", Query: func(model.Quoter) string { return "\n\tSELECT   1\n AS one ;" }}
	if !d.ViewMatches(v2, &model.ViewState{Name: "v", Definition: "abc", Marker: "groundwork:v1:" + h + ":abc"}) {
		t.Errorf("a reformatted declaration does not match")
	}
}
