//go:build integration

// Package integrators_test runs what an integrator uses on PostgreSQL and
// MariaDB: the Rows step in every mode, pack files (the example pack, and
// bad and hostile ones through the CLI: exit 2, nothing written), and the
// one-call API on an application-owned pool, which stays open.
package integrators_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/groundworkdb/groundwork"
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
	"github.com/groundworkdb/groundwork/steps/packfile"
	"github.com/groundworkdb/groundwork/steps/schema"
	"github.com/groundworkdb/groundwork/steps/schema/rowstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// servers are the targets with a server: PostgreSQL and MariaDB.
func servers() []kit.Target { return []kit.Target{kit.Postgres(), kit.MariaDB()} }

// TestRows: every mode converges and a second run is a no-op; an admin's
// change survives insert-missing; sync-owned never touches others' rows.
func TestRows(t *testing.T) {
	for _, tg := range servers() {
		t.Run(tg.Name(), func(t *testing.T) { rowstest.Run(t, tg.Harness()) })
	}
}

const examplePack = "../../examples/pack/tenants.yaml"

// TestExamplePack: the example pack file converges on each server.
func TestExamplePack(t *testing.T) {
	pk, err := packfile.Load(examplePack)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := core.NewRegistry(pk.Steps...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range servers() {
		t.Run(tg.Name(), func(t *testing.T) { kit.RequireConverges(t, tg.NewDatabase(t).Open(t), reg) })
	}
}

// hostile are pack files built to hurt a loader, each refused.
func hostile() map[string]string {
	bomb := "pack: x\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	prev := "a"
	for i := 0; i < 9; i++ {
		n := string(rune('b' + i))
		bomb += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n"
		prev = n
	}
	return map[string]string{
		"alias-bomb.yaml":   bomb,
		"deep.yaml":         "pack: x\ntags: " + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "\n",
		"huge.yaml":         "pack: x\n#" + strings.Repeat("x", packfile.MaxSize) + "\n",
		"duplicate.yaml":    "pack: x\ntables:\n  - name: t\n    name: u\n    columns: [{name: a, type: text}]\n",
		"unknown-key.yaml":  "pack: x\ntables:\n  - name: t\n    colums: [{name: a, type: text}]\n",
		"bad-ident.yaml":    "pack: x\ntables:\n  - name: \"t\\0x\"\n    columns: [{name: a, type: text}]\n",
		"bad-row.yaml":      "pack: x\nrows:\n  - {table: t, key: [k], values: [{k: a}, {k: a}]}\n",
		"two-docs.yaml":     "pack: x\n---\npack: y\n",
		"binary-tag.yaml":   "pack: !!binary eA==\n",
		"sqlite-name.yaml":  "pack: x\ntables:\n  - {name: sqlite_evil, columns: [{name: a, type: text}]}\n",
		"emoji-column.yaml": "pack: x\ntables:\n  - {name: t, columns: [{name: \"a😀\", type: text}]}\n",
	}
}

// TestBadPacksWriteNothing: through the CLI, as an operator runs it, a
// good pack beside a bad or hostile one is exit 2 naming the file, and
// the database is left empty (not even groundwork's own tables).
func TestBadPacksWriteNothing(t *testing.T) {
	dir := t.TempDir()
	good, _ := filepath.Abs(examplePack)
	for _, tg := range servers() {
		t.Run(tg.Name(), func(t *testing.T) {
			db := tg.NewDatabase(t)
			for name, body := range hostile() {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				r := testbin.Run(ctx, t, dir, testbin.Env(dir), "apply", "--db", db.URL, "--pack", good, "--pack", path)
				cancel()
				if r.Code != 2 || !strings.Contains(r.Stderr, name) {
					t.Fatalf("%s: want exit 2 naming the file\n%s", name, r)
				}
			}
			d := db.Open(t)
			cat, err := d.Inspect(context.Background(), d.DB())
			if err != nil {
				t.Fatal(err)
			}
			if len(cat.Tables) != 0 || len(cat.Views) != 0 {
				t.Fatalf("bad packs wrote to the database: %d tables, %d views", len(cat.Tables), len(cat.Views))
			}
		})
	}
}

func appSteps() []core.Step {
	return []core.Step{
		schema.Table(rowstest.Table()),
		schema.Rows("tenant_settings", []string{"tenant_id"}, []schema.Row{{"id": "t1", "tenant_id": "acme", "plan": "free", "seats": 3}},
			schema.Mode(schema.Upsert), schema.Touch("updated_at"), schema.InsertOnly("created_at"), schema.After(schema.TableID("tenant_settings"))),
	}
}

// appPool opens the test database as an application would: its own
// driver, its own pool, closed by the application.
func appPool(t *testing.T, db *kit.Database) *sql.DB {
	t.Helper()
	name := "pgx"
	if db.Dialect == "mysql" {
		name = "mysql"
	}
	pool, err := sql.Open(name, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	return pool
}

// TestOneCallOnAppPool: groundwork.Apply on the application's *sql.DB
// converges, a second call changes nothing, Verify is clean, and the pool
// is still open; a pool of one connection is refused at once with
// ErrPoolTooSmall, and two are enough.
func TestOneCallOnAppPool(t *testing.T) {
	for _, tg := range servers() {
		t.Run(tg.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			db := tg.NewDatabase(t)
			pool := appPool(t, db)
			for i, want := range []bool{true, false} {
				rep, err := groundwork.Apply(ctx, pool, appSteps()...)
				if err != nil || rep.Status != core.RunConverged || rep.Changed != want {
					t.Fatalf("apply %d: %v\n%s", i+1, err, coretest.Dump(rep))
				}
			}
			if rep, err := groundwork.Verify(ctx, pool, appSteps()...); err != nil || rep.Status != core.RunConverged {
				t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
			}
			if err := pool.PingContext(ctx); err != nil {
				t.Fatalf("the application's pool is closed: %v", err)
			}
			gw, err := groundwork.New(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			_ = gw.Close()
			if err := pool.PingContext(ctx); err != nil {
				t.Fatalf("Close closed the application's pool: %v", err)
			}

			pool.SetMaxOpenConns(1)
			if _, err := groundwork.Apply(ctx, pool, appSteps()...); !errors.Is(err, groundwork.ErrPoolTooSmall) {
				t.Fatalf("apply on one connection: %v, want ErrPoolTooSmall", err)
			}
			pool.SetMaxOpenConns(2)
			if rep, err := groundwork.Apply(ctx, pool, appSteps()...); err != nil || rep.Status != core.RunConverged {
				t.Fatalf("apply on two connections: %v", err)
			}
		})
	}
}

// TestOneCallOnBunDB: a *bun.DB the application has works the same, and
// Open takes the kit's URL (mysql:// included) and closes what it opened.
func TestOneCallOnBunDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := kit.Postgres().NewDatabase(t)
	bdb := bun.NewDB(appPool(t, db), pgdialect.New())
	if rep, err := groundwork.Apply(ctx, bdb, appSteps()...); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply on *bun.DB: %v", err)
	}
	if err := bdb.PingContext(ctx); err != nil {
		t.Fatalf("the application's handle is closed: %v", err)
	}
	for _, tg := range servers() {
		t.Run("Open "+tg.Name(), func(t *testing.T) {
			kdb := tg.NewDatabase(t)
			gw, err := groundwork.Open(ctx, kdb.URL)
			if err != nil {
				t.Fatal(err)
			}
			if rep, err := gw.Apply(ctx, appSteps()...); err != nil || rep.Status != core.RunConverged {
				t.Fatalf("apply: %v", err)
			}
			if err := gw.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
