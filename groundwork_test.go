package groundwork_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/groundworkdb/groundwork"
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
	"github.com/groundworkdb/groundwork/steps/schema/rowstest"
)

func steps() []core.Step {
	return []core.Step{
		schema.Table(rowstest.Table()),
		schema.Rows("tenant_settings", []string{"tenant_id"},
			[]schema.Row{{"id": "t1", "tenant_id": "acme", "plan": "free", "seats": 3}},
			schema.InsertOnly("created_at", "updated_at"), schema.After(schema.TableID("tenant_settings"))),
	}
}

func appPool(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestApplyOnAppPool: the one call on the application's own *sql.DB
// converges, a second call changes nothing, and the pool is still open.
func TestApplyOnAppPool(t *testing.T) {
	ctx := context.Background()
	db := appPool(t)
	for i, want := range []bool{true, false} {
		rep, err := groundwork.Apply(ctx, db, steps()...)
		if err != nil || rep.Status != core.RunConverged || rep.Changed != want {
			t.Fatalf("apply %d: %v, status %s, changed %t", i+1, err, rep.Status, rep.Changed)
		}
	}
	if rep, err := groundwork.Verify(ctx, db, steps()...); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("the application's pool was closed: %v", err)
	}
}

// TestNewLeavesPoolOpen: Close of a DB wrapping the application's handle
// (a *bun.DB here) leaves that handle open.
func TestNewLeavesPoolOpen(t *testing.T) {
	ctx := context.Background()
	bdb := bun.NewDB(appPool(t), sqlitedialect.New())
	db, err := groundwork.New(ctx, bdb)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Apply(ctx, steps()...); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bdb.PingContext(ctx); err != nil {
		t.Fatalf("Close closed the application's handle: %v", err)
	}
	var n int
	if err := bdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM tenant_settings").Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows: %d, %v", n, err)
	}
}

// TestOnePoolConnectionSQLite: SQLite's lock is a file, so a pool of one
// connection works (bounded, so a hang fails instead of blocking).
func TestOnePoolConnectionSQLite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := appPool(t)
	db.SetMaxOpenConns(1)
	if rep, err := groundwork.Apply(ctx, db, steps()...); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply on one connection: %v", err)
	}
}

// TestPoolTooSmall: a PostgreSQL or MySQL pool of one connection is
// refused before any connection is made (no server needed).
func TestPoolTooSmall(t *testing.T) {
	cfg, err := pgx.ParseConfig("postgres://u@127.0.0.1:1/db")
	if err != nil {
		t.Fatal(err)
	}
	pg := stdlib.OpenDB(*cfg)
	my, err := sql.Open("mysql", "u@tcp(127.0.0.1:1)/db")
	if err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*sql.DB{"postgres": pg, "mysql": my} {
		t.Run(name, func(t *testing.T) {
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := groundwork.New(context.Background(), db); !errors.Is(err, groundwork.ErrPoolTooSmall) {
				t.Fatalf("New on a one-connection pool: %v, want ErrPoolTooSmall", err)
			}
			if _, err := groundwork.Apply(context.Background(), db, steps()...); !errors.Is(err, groundwork.ErrPoolTooSmall) {
				t.Fatalf("Apply on a one-connection pool: %v, want ErrPoolTooSmall", err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "open.db")
	db, err := groundwork.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Plan(ctx, steps()...); err != nil || rep.Status != core.RunPending {
		t.Fatalf("plan: %v %+v", err, rep)
	}
	if rep, err := db.Apply(ctx, steps()...); err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Driver().DB().PingContext(ctx); err == nil {
		t.Fatal("Close left the connection Open opened")
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"", "ftp://x", "mysql://u:secret@h:3306", "sqlite://:memory:", "postgres://u:secret@h:99999/db"} {
		if _, err := groundwork.Open(ctx, url); !errors.Is(err, core.ErrInvalid) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): %v; want ErrInvalid without the password", url, err)
		}
	}
	if _, err := groundwork.New(ctx, "not a handle"); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("New(string): %v", err)
	}
	if _, err := groundwork.New(ctx, (*sql.DB)(nil)); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("New(nil): %v", err)
	}
	if _, err := groundwork.New(ctx, appPool(t), groundwork.WithDialect("oracle")); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("WithDialect(oracle): %v", err)
	}
}
