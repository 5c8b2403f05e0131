package mysql

import (
	"database/sql"
	"strings"
	"testing"
)

func TestLockName(t *testing.T) {
	if got := lockName("app", "groundwork"); got != "groundwork:app:groundwork" {
		t.Errorf("lockName = %s", got)
	}
	// Stable: runners of two versions must compute the same name.
	long := lockName("app", strings.Repeat("x", 80))
	if long != "groundwork:c167b72b21974ed13f3a7780fa6d7604a3cf0bfa" || len(long) > maxLockName {
		t.Errorf("a long name gives %s (%d bytes)", long, len(long))
	}
	odd := lockName("app", "it's ü")
	if !strings.HasPrefix(odd, "groundwork:") || !plainName(odd) || len(odd) > maxLockName {
		t.Errorf("a name needing escapes gives %s", odd)
	}
	if lockName("a", "x") == lockName("b", "x") {
		t.Errorf("two databases share a lock name")
	}
	if lockName("app", "a'") == lockName("app", "a\"") {
		t.Errorf("two hashed names collide")
	}
}

func TestHolderText(t *testing.T) {
	id := sql.NullInt64{Int64: 42, Valid: true}
	got := holderText(id, "app", "10.0.0.7:51234", "gw", sql.NullInt64{Int64: 3, Valid: true})
	if want := "connection 42, user app, client 10.0.0.7:51234, database gw, in its current state for 3s"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := holderText(id, "", "", "", sql.NullInt64{}); got != "connection 42" {
		t.Errorf("a holder this user may not see: %s", got)
	}
	if got := holderText(sql.NullInt64{}, "", "", "", sql.NullInt64{}); !strings.Contains(got, "released") {
		t.Errorf("no holder: %s", got)
	}
}
