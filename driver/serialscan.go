package driver

// SerialScanner is optional for a DataSQL: SerialScan renders a FROM item
// that reads every row of the quoted table in one process, for a count
// over a whole table that runs on every start (the member watermark's).
// A parallel plan would start workers drawn from the pool the host's own
// queries share, at every start of every replica, to pass each row to a
// leader that only counts them. Without it the table is read as it is:
// SQLite and MySQL/MariaDB never plan such a count in parallel.
type SerialScanner interface {
	SerialScan(table string) string
}
