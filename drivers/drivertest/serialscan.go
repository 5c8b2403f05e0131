package drivertest

import (
	"context"
	"testing"

	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/driver"
)

// testSerialScan: a driver's driver.SerialScanner reads every row of the
// table once, whatever the table's name, so a count through it is the
// table's count. A driver without one is skipped: its counts read the
// table itself.
func testSerialScan(t *testing.T, open coretest.Opener) {
	d := open(t)
	ss, ok := d.(driver.SerialScanner)
	if !ok {
		t.Skipf("%s has no SerialScanner", d.Dialect())
	}
	apply(t, d, registrySteps())
	exec(t, d, "INSERT INTO "+d.Quote(userTable)+" (id, email, role) VALUES ('s1', 'a@x', 'user'), ('s2', 'b@x', 'user'), ('s3', NULL, 'pending')")
	want := count(t, d, userTable)
	var got int
	if err := d.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+ss.SerialScan(d.Quote(userTable))).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want || want < 3 {
		t.Fatalf("count through SerialScan = %d, the table's = %d", got, want)
	}
}
