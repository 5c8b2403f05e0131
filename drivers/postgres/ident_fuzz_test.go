package postgres

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
)

// FuzzIdentRoundTrip is the SQLite driver's identifier fuzz target on
// PostgreSQL (the test server of pgtest_test.go): any name is created and
// read back exactly in every role, or refused with a clear error before
// anything is written. Fuzz with scripts/fuzz.sh, which gives the
// workers one shared server (GROUNDWORK_PG_URL): each worker process
// would otherwise start a server of its own, and one the fuzzer kills
// leaves its server behind.
func FuzzIdentRoundTrip(f *testing.F) {
	for _, s := range drivertest.IdentSeeds {
		f.Add(s)
	}
	if serverURL == "" {
		f.Skip("no PostgreSQL server: " + serverWhy)
	}
	// One schema per process (fuzz workers are processes, and may share a
	// server through GROUNDWORK_PG_URL), dropped at the end.
	schema := fmt.Sprintf("gw_fuzz_ident_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := adminDB.ExecContext(context.Background(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		f.Fatalf("create schema: %v", err)
	}
	f.Cleanup(func() { _, _ = adminDB.ExecContext(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Open(ctx, withParam(serverURL, "search_path", schema))
	if err != nil {
		f.Fatalf("open: %v", err)
	}
	f.Cleanup(func() { _ = d.Close() })
	f.Fuzz(func(t *testing.T, name string) {
		drivertest.IdentRoundTrip(t, d, name)
	})
}
