package orgaccess_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

var update = flag.Bool("update", false, "rewrite testdata/reads/*.golden")

// quietDialect is mysqldialect without Init, which asks the server its
// version: rendering needs no server.
type quietDialect struct{ *mysqldialect.Dialect }

func (quietDialect) Init(*sql.DB) {}

// offlineDrivers are a driver per dialect on handles that never connect.
func offlineDrivers(t *testing.T) []core.Driver {
	t.Helper()
	pg, err := sql.Open("pgx", "postgres://x@127.0.0.1:1/x")
	if err != nil {
		t.Fatal(err)
	}
	cfg := gomysql.NewConfig()
	cfg.Addr, cfg.DBName = "127.0.0.1:1", "x"
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	my := sql.OpenDB(connector)
	t.Cleanup(func() { _ = pg.Close(); _ = my.Close() })
	return []core.Driver{
		postgres.New(bun.NewDB(pg, pgdialect.New())),
		sqlitetest.Open(t),
		mysql.New(bun.NewDB(my, quietDialect{mysqldialect.New()})),
	}
}

// convergedCatalog is the catalog of a converged database of the
// generation (read from SQLite: the names and columns the reads depend
// on are the same on every dialect).
func convergedCatalog(t *testing.T, gen string, cfg orgaccess.Config) *core.Catalog {
	t.Helper()
	ctx := context.Background()
	d := sqlitetest.Open(t)
	if err := openwebuitest.Load(ctx, d.DB().DB, d.Dialect(), gen); err != nil {
		t.Fatal(err)
	}
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := core.NewRunner(d, reg).Apply(ctx); err != nil {
		t.Fatalf("apply: %v %+v", err, rep)
	}
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestReadsGolden: the exact SQL of every read each step of the pack
// declares, and of the combined statement the runner sends, per dialect
// and Open WebUI generation (go test -run TestReadsGolden -update
// rewrites them).
func TestReadsGolden(t *testing.T) {
	cfg := orgaccess.Config{OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: "sk-or-v1-never-shown", Host: orgaccess.HostTarget{Current: true}, Access: orgaccess.AccessGroups}
	drivers := offlineDrivers(t)
	for _, gen := range openwebuitest.Generations() {
		cat := convergedCatalog(t, gen, cfg)
		for _, d := range drivers {
			t.Run(d.Dialect()+"_"+gen, func(t *testing.T) {
				var b strings.Builder
				var all []core.Read
				seen := map[string]bool{}
				for _, st := range orgaccess.Steps(cfg) {
					reads, err := core.DeclaredReads(context.Background(), d, cat, st)
					if err != nil {
						t.Fatalf("%s: %v", st.Info().ID, err)
					}
					if len(reads) == 0 {
						continue
					}
					fmt.Fprintf(&b, "-- %s\n", st.Info().ID)
					for _, r := range reads {
						shown := core.Display(d, core.Statement{SQL: r.SQL(), Args: r.Args})
						fmt.Fprintf(&b, "%s\n", shown)
						if !seen[shown] {
							seen[shown] = true
							all = append(all, r)
						}
					}
				}
				stmts, _ := core.ReadStatements(all)
				// The runner sends these in rounds: a read whose arguments
				// come from another's result (the model list from the
				// config) goes in the next statement.
				fmt.Fprintf(&b, "-- combined (every round in one): %d statement(s)\n", len(stmts))
				for _, st := range stmts {
					fmt.Fprintf(&b, "%s\n-- args: %d\n", core.Rebind(d, st.SQL), len(st.Args))
				}
				golden(t, filepath.Join("testdata", "reads", d.Dialect()+"_"+gen+".golden"), b.String())
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs (run with -update after checking):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
