package driver

// Excepter is optional for a DataSQL: Except renders the rows of the
// query left that the query right does not return (SQL's EXCEPT, which
// also removes duplicates). A step that inserts "what is missing" reads
// that set through it where it can: the server computes the difference
// whole before anything consumes it, so no plan can rescan the rows the
// same statement inserts (PostgreSQL picks a nested-loop anti join for
// NOT EXISTS when the target's statistics say it is empty, and re-reads
// every row inserted so far for each new one). Without it the step
// falls back to NOT EXISTS (MySQL before 8.0.31 has no EXCEPT).
type Excepter interface {
	Except(left, right string) string
}
