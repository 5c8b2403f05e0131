package kit_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func mySteps() []core.Step {
	return []core.Step{schema.Table(core.Table{Name: "notes", PrimaryKey: []string{"id"},
		Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}}})}
}

// Every dialect in one test: SQLite always; PostgreSQL and MariaDB from
// GROUNDWORK_TEST_POSTGRES_URL / GROUNDWORK_TEST_MYSQL_URL when set, else
// the host's PostgreSQL programs or a container; a test without any of
// them skips and says how to enable each.
func ExampleTargets() {
	_ = func(t *testing.T) {
		for _, target := range kit.Targets() {
			t.Run(target.Name(), func(t *testing.T) {
				d := target.NewDatabase(t).Open(t) // a fresh database, dropped after the test
				reg, _ := core.NewRegistry(mySteps()...)
				kit.RequireConverges(t, d, reg) // apply, apply again (no change), verify
			})
		}
	}
}

// The kit in a user's CI: a PostgreSQL service container named by a DSN.
// Each test gets its own database on it (CREATE DATABASE), dropped after.
//
//	# .github/workflows/test.yml (or any CI)
//	services:
//	  postgres: {image: postgres:15, env: {POSTGRES_PASSWORD: ci}, ports: ["5432:5432"]}
//	  mariadb:  {image: mariadb:10.11, env: {MARIADB_ROOT_PASSWORD: ci}, ports: ["3306:3306"]}
//	env:
//	  GROUNDWORK_TEST_POSTGRES_URL: postgres://postgres:ci@127.0.0.1:5432/postgres?sslmode=disable
//	  GROUNDWORK_TEST_MYSQL_URL: mysql://root:ci@127.0.0.1:3306/mysql
//	  CI: "true" # a missing server fails instead of skipping
//	run: go test -tags integration ./...
func ExamplePostgresAt() {
	_ = func(t *testing.T) {
		target := kit.PostgresAt(os.Getenv(kit.EnvPostgresURL))
		reg, _ := core.NewRegistry(mySteps()...)
		kit.RequireConverges(t, target.NewDatabase(t).Open(t), reg)
	}
}

// MariaDB or MySQL named by a URL (mysql://, mariadb://) or a
// go-sql-driver DSN.
func ExampleMySQLAt() {
	_ = func(t *testing.T) {
		target := kit.MySQLAt("mysql://root:ci@127.0.0.1:3306/mysql")
		reg, _ := core.NewRegistry(mySteps()...)
		kit.RequireConverges(t, target.NewDatabase(t).Open(t), reg)
	}
}

// The host's PostgreSQL server programs (apt-get install postgresql), no
// Docker: a throwaway server on 127.0.0.1, stopped by TerminateShared.
func ExampleHostPostgres() {
	_ = func(t *testing.T) {
		reg, _ := core.NewRegistry(mySteps()...)
		kit.RequireConverges(t, kit.HostPostgres().NewDatabase(t).Open(t), reg)
	}
}

// A container of the image of your choice: the official images work as
// well as this repository's locally built ones. Set the variables before
// the first test that needs the server (in TestMain, or in the CI's
// environment); the kit never pulls, so pull the image first.
func ExampleMariaDB() {
	_ = func(m *testing.M) {
		os.Setenv(kit.EnvPostgresImage, "postgres:15")
		os.Setenv(kit.EnvMariaDBImage, "mariadb:10.11")
		code := m.Run()
		if err := kit.TerminateShared(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		os.Exit(code)
	}
}
