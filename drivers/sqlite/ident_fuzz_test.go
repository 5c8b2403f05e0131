package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// FuzzIdentRoundTrip: any name is either created and read back exactly,
// in every role (table, column, index, view), or refused with a clear
// error before anything is written. The seeds (drivertest.IdentSeeds and
// testdata/fuzz/FuzzIdentRoundTrip) run with every go test; fuzz with
//
//	go test ./drivers/sqlite -run '^$' -fuzz FuzzIdentRoundTrip -fuzztime 60s -fuzzminimizetime 5s
func FuzzIdentRoundTrip(f *testing.F) {
	for _, s := range drivertest.IdentSeeds {
		f.Add(s)
	}
	d, err := sqlite.Open(filepath.Join(f.TempDir(), "ident.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = d.Close() })
	f.Fuzz(func(t *testing.T, name string) {
		drivertest.IdentRoundTrip(t, d, name)
	})
}
