// Package lazyre compiles a regular expression on its first use, not at
// package initialisation: Go runs the init of every linked package on
// every start of the CLI, whether or not the expression is ever used.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns the expression of pattern, compiled by the first call (a
// pattern that does not compile panics there, as regexp.MustCompile does).
func New(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
