package drivertest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/model"
)

// WantTables fails t unless the catalog's tables are want, each table's
// foreign keys taken in the order of their columns (catalogs list them in
// no order of their own). A driver's test of its Inspect on a schema made
// by hand, in its own SQL, compares with it.
func WantTables(t *testing.T, got, want map[string]*model.TableState) {
	t.Helper()
	for _, ts := range []map[string]*model.TableState{got, want} {
		for _, tb := range ts {
			sort.Slice(tb.ForeignKeys, func(i, j int) bool {
				return strings.Join(tb.ForeignKeys[i].Columns, ",") < strings.Join(tb.ForeignKeys[j].Columns, ",")
			})
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tables:\n got %s\nwant %s", dump(got), dump(want))
	}
}

// WantIndexes fails t unless the catalog's indexes are want.
func WantIndexes(t *testing.T, got, want map[string]*model.IndexState) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("indexes:\n got %s\nwant %s", dump(got), dump(want))
	}
}

// dump lists a catalog map by name, one object a line.
func dump[T any](m map[string]*T) string {
	var b strings.Builder
	for _, n := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "\n  %q: %+v", n, *m[n])
	}
	return b.String()
}
