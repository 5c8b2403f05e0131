package cli

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// TestURLFormsRefused: the DATABASE_URL forms groundwork cannot serve
// safely are refused with exit 2 before anything is opened or written,
// and no fragment of the password is printed, not even with --wait
// (no retry lines) or in JSON.
func TestURLFormsRefused(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"sqlcipher", "sqlite+sqlcipher:////DIR/webui.db", "encrypted SQLite (SQLCipher, DATABASE_PASSWORD) is not supported"},
		{"sqlcipher relative", "sqlite+sqlcipher:///DIR/webui.db", "nothing was written"},
		{"unencoded @ in the password", "postgresql://app:Tr0ub4dor@prod-Zebra99@127.0.0.1:1/db", "percent-encode '@' in the user name and password as %40"},
		{"unencoded @, psycopg2", "postgresql+psycopg2://app:Tr0ub4dor@prod-Zebra99@127.0.0.1:1/db", "more than one '@'"},
		{"unencoded @, mysql", "mysql://app:Tr0ub4dor@prod-Zebra99@127.0.0.1:1/db", "more than one '@'"},
	}
	for _, tt := range tests {
		for _, output := range []string{"text", "json"} {
			t.Run(tt.name+"/"+output, func(t *testing.T) {
				dir := t.TempDir()
				u := strings.ReplaceAll(tt.url, "DIR", strings.TrimPrefix(dir, "/"))
				r := run(t, map[string]string{"DATABASE_URL": u}, "apply", "--wait", "5s", "-o", output)
				mustCode(t, r, ExitInvalid)
				if !strings.Contains(r.stderr+r.stdout, tt.want) {
					t.Fatalf("output does not say %q\n%s", tt.want, r)
				}
				for _, frag := range []string{"Tr0ub4dor", "Zebra99", "prod-"} {
					if strings.Contains(r.stdout+r.stderr, frag) {
						t.Fatalf("a fragment of the password (%s) is shown\n%s", frag, r)
					}
				}
				if strings.Contains(r.stderr, "retrying") {
					t.Fatalf("retried a URL that cannot work\n%s", r)
				}
				if entries, _ := os.ReadDir(dir); len(entries) > 0 {
					t.Fatalf("files written: %v", entries)
				}
			})
		}
	}
}

// TestURLFormsConnect: every PostgreSQL DATABASE_URL form Open WebUI
// accepts (FACTS.md) reaches a real server whose password needs
// percent-encoding, and the password shows nowhere.
func TestURLFormsConnect(t *testing.T) {
	const password = "p@ss/w:rd?#Zebra"
	srv := hostpg.Require(t, hostpg.WithPassword("gw", password))
	enc := url.UserPassword("gw", password).String()
	host := "127.0.0.1:" + strconv.Itoa(srv.Port)
	for _, u := range []string{
		"postgres://" + enc + "@" + host + "/postgres?sslmode=disable",
		"postgresql://" + enc + "@" + host + "/postgres?sslmode=disable",
		"postgresql+psycopg2://" + enc + "@" + host + "/postgres?sslmode=disable",
		"postgresql+psycopg://" + enc + "@" + host + "/postgres?ssl=false",
		"postgresql+asyncpg://" + enc + "@" + host + "/postgres?ssl=disable",
	} {
		t.Run(u[:strings.Index(u, ":")], func(t *testing.T) {
			r := run(t, map[string]string{"DATABASE_URL": u}, "plan")
			if r.code == ExitFailed || r.code == ExitInvalid || !strings.Contains(r.stdout, "on postgres") {
				t.Fatalf("plan did not reach the server\n%s", r)
			}
			if strings.Contains(r.stdout+r.stderr, "Zebra") || strings.Contains(r.stdout+r.stderr, "w:rd") {
				t.Fatalf("the password is shown\n%s", r)
			}
		})
	}
}

// TestOrganizationInputExits2: organization settings no dialect can
// store exit 2 before the database is opened: nothing is written.
func TestOrganizationInputExits2(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"id not UTF-8":  {"OPENROUTER_EXTERNAL_USER": "dev-\xff", "ORGANIZATION_NAME": "Dev", "OPENROUTER_API_KEY": "sk-or-v1-hunter2"},
		"name 100 kB":   {"OPENROUTER_EXTERNAL_USER": "dev", "ORGANIZATION_NAME": strings.Repeat("n", 100_000), "OPENROUTER_API_KEY": "sk-or-v1-hunter2"},
		"key not UTF-8": {"OPENROUTER_EXTERNAL_USER": "dev", "ORGANIZATION_NAME": "Dev", "OPENROUTER_API_KEY": "sk-or-v1-hunter2\xe9"},
		"key 300 bytes": {"OPENROUTER_EXTERNAL_USER": "dev", "ORGANIZATION_NAME": "Dev", "OPENROUTER_API_KEY": "sk-or-v1-hunter2" + strings.Repeat("k", 300)},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			env["DATABASE_URL"] = "sqlite:///" + dir + "/webui.db"
			r := run(t, env, "apply")
			mustCode(t, r, ExitInvalid)
			if strings.Contains(r.stdout+r.stderr, "hunter2") {
				t.Fatalf("the key is shown\n%s", r)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Fatalf("files written: %v", entries)
			}
		})
	}
}

// TestDatabaseSchema: Open WebUI's tables in a schema other than public
// (DATABASE_SCHEMA, here a name that needs quoting): apply reads the host
// tables there and puts groundwork's tables, view and history there too,
// none in public; a second apply changes nothing; verify is clean; a
// schema that does not exist exits 2.
func TestDatabaseSchema(t *testing.T) {
	srv := hostpg.Require(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", srv.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const schema = `Open "WebUI"`
	if err := openwebuitest.LoadSchemaIn(ctx, admin, openwebuitest.V0_6_40, schema); err != nil {
		t.Fatal(err)
	}
	q := `"Open ""WebUI"""`
	for i, role := range []string{"admin", "user", "pending"} {
		if _, err := admin.ExecContext(ctx, `INSERT INTO `+q+`."user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at)
			VALUES ($1::text, $1::text, $1::text || '@example.com', $2::text, '', 0, 0, 0)`, "u"+strconv.Itoa(i), role); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"DATABASE_URL": srv.URL("postgres"), "DATABASE_SCHEMA": schema,
		"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme", "OPENROUTER_API_KEY": "sk-or-v1-schema-test",
		"GROUNDWORK_MODELS": "openai/gpt-4o-mini,x-ai/grok-4",
		// The fixture is at its head: the host's target is where it is.
		"GROUNDWORK_HOST_REVISION": "current",
	}
	r := run(t, env, "apply")
	mustCode(t, r, ExitOK)
	t.Logf("first apply: %s", lastLine(r.stdout))
	for _, table := range []string{"client_organizations", "organization_members", "organization_models", "user_available_models", "groundwork_runs"} {
		var inSchema, inPublic bool
		if err := admin.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL`,
			q+"."+table, "public."+table).Scan(&inSchema, &inPublic); err != nil {
			t.Fatal(err)
		}
		if !inSchema || inPublic {
			t.Errorf("%s: in the schema %t, in public %t; want only in the schema", table, inSchema, inPublic)
		}
	}
	var members, pairs int
	if err := admin.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM `+q+`.organization_members), (SELECT COUNT(*) FROM `+q+`.user_available_models)`).Scan(&members, &pairs); err != nil {
		t.Fatal(err)
	}
	if members != 2 || pairs != 4 {
		t.Errorf("members %d, view rows %d; want 2 (admin and user) and 4", members, pairs)
	}
	r = run(t, env, "apply")
	mustCode(t, r, ExitOK)
	t.Logf("second apply: %s", lastLine(r.stdout))
	if !strings.Contains(r.stdout, "nothing changed") {
		t.Errorf("the second apply changed something\n%s", r)
	}
	mustCode(t, run(t, env, "verify"), ExitOK)

	env["DATABASE_SCHEMA"] = "no_such_schema"
	r = run(t, env, "apply")
	mustCode(t, r, ExitInvalid)
	if !strings.Contains(r.stderr, `schema "no_such_schema" (DATABASE_SCHEMA) does not exist`) {
		t.Fatalf("want the missing schema named\n%s", r)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
