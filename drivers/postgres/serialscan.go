package postgres

import "github.com/groundworkdb/groundwork/driver"

var _ driver.SerialScanner = (*Driver)(nil)

// SerialScan implements driver.SerialScanner: the rows go through a
// subquery with OFFSET 0, which PostgreSQL never runs under a Gather, so
// the count runs in one process. Left to itself, from about 200,000 users
// it planned a watermark count as a parallel scan with two workers: on 2
// cores a converged apply of 140 ms instead of 43.
func (d *Driver) SerialScan(table string) string {
	return "(SELECT 1 FROM " + table + " OFFSET 0) w"
}
