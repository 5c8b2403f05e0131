package driver

// Placeholders is optional for a Driver: it renders the n-th (1-based)
// bind placeholder in the dialect's native style. Without it, "?" is used.
type Placeholders interface {
	Placeholder(n int) string
}
