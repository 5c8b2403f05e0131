// Package testbin builds the groundwork command once per test binary and
// runs it as a process, the way an operator does: in a directory of the
// test's choosing, with an environment the test spells out, its output
// and exit code collected in one Result.
//
// A package that uses it calls Cleanup from its TestMain, after m.Run, so
// the build directory does not outlive the tests.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Version is the version stamped into the binary, for tests of `version`.
const Version = "v0.0.0-test"

const (
	pkg         = "github.com/groundworkdb/groundwork/cmd/groundwork"
	versionFlag = "-X github.com/groundworkdb/groundwork/cmd/groundwork/internal/cli.Version=" + Version
)

// built is the one build of this test binary.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// EnvBinary names a binary built beforehand (`make unit` and `make
// integration` build it once, with BuildTo, before any test starts): with
// it set, Build uses that file and compiles nothing. Without it each test
// binary compiles its own, which on a cold machine recompiles every
// dependency (CGO_ENABLED=0 and -trimpath are cache keys of their own),
// inside the package's test timeout and in parallel with other packages.
const EnvBinary = "GROUNDWORK_TEST_BINARY"

// Build returns the command built as `make build` does (static,
// CGO_ENABLED=0, -trimpath), stamped with Version: the file EnvBinary
// names, else a build into a temporary directory. Later calls return the
// first call's result.
func Build() (string, error) {
	built.once.Do(func() {
		if p := os.Getenv(EnvBinary); p != "" {
			if _, err := os.Stat(p); err != nil {
				built.err = fmt.Errorf("testbin: %s=%s: %w", EnvBinary, p, err)
				return
			}
			built.path = p
			return
		}
		var err error
		if built.dir, err = os.MkdirTemp("", "groundwork-testbin-"); err != nil {
			built.err = fmt.Errorf("testbin: %w", err)
			return
		}
		out := filepath.Join(built.dir, "groundwork")
		if built.err = BuildTo(out); built.err == nil {
			built.path = out
		}
	})
	return built.path, built.err
}

// BuildTo compiles the command into out, as Build does.
func BuildTo(out string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("testbin: the go tool is not in PATH: %w", err)
	}
	cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags", versionFlag, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("testbin: go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// Path is the binary's path; a failed build fails the test.
func Path(t testing.TB) string {
	t.Helper()
	p, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Cleanup removes the build directory. Call it from TestMain once the
// tests have run.
func Cleanup() {
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
}
