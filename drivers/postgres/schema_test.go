package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"
)

// TestSchemaScopesLock: WithSchema sets every connection's search_path to
// the schema, quoted; the lock of one schema does not exclude runners of
// another, and does exclude those of the same schema.
func TestSchemaScopesLock(t *testing.T) {
	requireServer(t)
	ctx := context.Background()
	for _, s := range []string{`gw Schema "A"`, "gw_schema_b"} {
		q := sqlkit.QuoteIdent('"', s)
		if _, err := adminDB.ExecContext(ctx, "CREATE SCHEMA "+q); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = adminDB.ExecContext(context.Background(), "DROP SCHEMA "+q+" CASCADE") })
	}
	open := func(schema string) *Driver {
		d, err := Open(ctx, serverURL, WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	a, a2, b := open(`gw Schema "A"`), open(`gw Schema "A"`), open("gw_schema_b")
	var cur string
	if err := a.DB().QueryRowContext(ctx, "SELECT current_schema()").Scan(&cur); err != nil || cur != `gw Schema "A"` {
		t.Fatalf("current_schema() = %q (%v)", cur, err)
	}
	held, err := a.Lock(ctx, "groundwork", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(ctx)
	other, err := b.Lock(ctx, "groundwork", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("the lock of another schema: %v", err)
	}
	_ = other.Unlock(ctx)
	_, err = a2.Lock(ctx, "groundwork", 100*time.Millisecond)
	var le *driver.LockError
	if !errors.Is(err, driver.ErrLockTimeout) || !errors.As(err, &le) || le.Name != `groundwork in schema "gw Schema \"A\""` {
		t.Fatalf("the same schema: %v, want a lock timeout on the scoped name", err)
	}

	if _, err := Open(ctx, serverURL, WithSchema("gw_no_such_schema")); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("a missing schema: %v, want model.ErrInvalid", err)
	}
}
