package core

// ListAggregator is optional for a DataSQL: ListAgg renders an aggregate
// of expr over the rows of a query as one JSON array of strings, or NULL
// (or "[]") when there are none. A check that must know whether every
// item of a list it learns only from another read is there (a model list
// parsed from the host's config) reads the set in the same round as that
// read, instead of counting the list's items in the next one. Without it
// the check counts, one round trip later.
type ListAggregator interface {
	ListAgg(expr string) string
}
