package schema

import "github.com/groundworkdb/groundwork/core"

// The optional interfaces each step means to implement: a signature slip
// would otherwise silently turn its validation off.
var (
	_ core.Validator = (*tableStep)(nil)
	_ core.Validator = (*indexStep)(nil)
	_ core.Validator = (*viewStep)(nil)
	_ core.Validator = (*rowsStep)(nil)
)
