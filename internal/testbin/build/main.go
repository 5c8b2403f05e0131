// Command build compiles the groundwork command once for the test suites
// (`make unit`, `make integration`), which then find it through
// testbin.EnvBinary instead of each compiling their own:
//
//	go run ./internal/testbin/build bin/groundwork-test
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/groundworkdb/groundwork/internal/testbin"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: build OUTPUT")
		os.Exit(2)
	}
	out, err := filepath.Abs(os.Args[1])
	if err == nil {
		err = testbin.BuildTo(out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
