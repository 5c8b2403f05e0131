//go:build integration

package kit

import (
	"context"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/internal/hostpg"
)

// TestEnvSelectsTheServer: GROUNDWORK_TEST_POSTGRES_URL names the server
// the shared PostgreSQL comes from (here one the test starts), and
// GROUNDWORK_TEST_POSTGRES=host the host's programs.
func TestEnvSelectsTheServer(t *testing.T) {
	hs := hostpg.Require(t, hostpg.WithPassword("envci", "kit-env-Secret-31"))
	ctx := context.Background()
	t.Setenv(EnvPostgresURL, hs.URL("postgres"))
	srv, err := startPostgresAny(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dsn, err := srv.CreateDatabase(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dsn, "envci:") || !strings.Contains(dsn, ":"+srv.Port()+"/gw_test_") {
		t.Fatalf("DSN %s: want a database of the named server", strings.ReplaceAll(dsn, "kit-env-Secret-31", "xxxxx"))
	}
	name := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	if err := srv.DropDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := srv.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pingPostgres(ctx, hs.URL("postgres")); err != nil {
		t.Fatalf("Terminate stopped a server the kit did not start: %v", err)
	}

	t.Setenv(EnvPostgresURL, "")
	t.Setenv(EnvPostgresSource, "host")
	srv, err = startPostgresAny(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if srv.stop == nil || srv.container != nil {
		t.Fatal("GROUNDWORK_TEST_POSTGRES=host did not start the host's programs")
	}
	if err := srv.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPostgresSource, "sideways")
	if _, err := startPostgresAny(ctx); err == nil || !strings.Contains(err.Error(), "want host, container or empty") {
		t.Fatalf("a bad source: %v", err)
	}
}
