//go:build integration

package mariadb_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun/dialect/feature"
)

// TestOpenSendsNoStatement: Open costs the handshake alone. The session
// it leaves in the pool has run no statement before the test's own (the
// server's Questions counts the SHOW that reads it, and no ping), and
// bun's features, asked for later, are still MariaDB's: the version is
// read when a query builder first needs it.
func TestOpenSendsNoStatement(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	ctx := context.Background()
	conn, err := d.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var name string
	var questions int
	if err := conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Questions'").Scan(&name, &questions); err != nil {
		t.Fatal(err)
	}
	if questions != 1 {
		t.Fatalf("the session Open left had run %d statements before this one, want none", questions-1)
	}
	if !d.DB().HasFeature(feature.InsertReturning) || !d.DB().HasFeature(feature.CreateIndexIfNotExists) {
		t.Fatal("bun's dialect lacks MariaDB 10.5+'s INSERT … RETURNING or CREATE INDEX IF NOT EXISTS")
	}
}
