package driver

// Statement is SQL with bun placeholders (?) and their arguments. Values
// are always arguments, never spliced into SQL by the step.
type Statement struct {
	SQL  string
	Args []any
}
