package driver

// ErrorExplainer is optional for a Driver: ExplainError turns an error
// the database gave a step into one that says what it waited for or
// what it means (SQLite's bare "database is locked" becomes a LockError
// naming the database file's write lock and, where the system shows it,
// the process holding it), or returns err as it is. The runner applies
// it to every step failure.
type ErrorExplainer interface {
	ExplainError(err error) error
}
