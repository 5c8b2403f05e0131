package testbin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Result is one finished run of the binary.
type Result struct {
	Args           []string
	Code           int
	Stdout, Stderr string
	Took           time.Duration
}

// String is the run as a failure message shows it.
func (r Result) String() string {
	return fmt.Sprintf("groundwork %s: exit %d after %s\n--- stdout\n%s--- stderr\n%s",
		strings.Join(r.Args, " "), r.Code, r.Took.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// Env is a minimal environment: PATH, HOME=home, then extra. Nothing else
// of the test's own environment (a GROUNDWORK_* variable of the caller,
// say) reaches the process.
func Env(home string, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}, extra...)
}

// Cmd is one process of the binary. Its exec.Cmd is there for signals
// (Process.Signal) and for what Start, Wait and Run do not cover.
type Cmd struct {
	*exec.Cmd
	t      testing.TB
	args   []string
	stdout bytes.Buffer
	stderr *lines
	start  time.Time
}

// Command prepares the binary with args, in dir (the test's own working
// directory when empty), with exactly env as its environment (see Env).
// ctx kills the process when done.
func Command(ctx context.Context, t testing.TB, dir string, env []string, args ...string) *Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, Path(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{}, env...) // never nil: nil would inherit the test's environment
	c := &Cmd{Cmd: cmd, t: t, args: args, stderr: &lines{}}
	cmd.Stdout, cmd.Stderr = &c.stdout, c.stderr
	return c
}

// Run runs the binary to the end (see Wait).
func Run(ctx context.Context, t testing.TB, dir string, env []string, args ...string) Result {
	t.Helper()
	return Command(ctx, t, dir, env, args...).Run()
}

// Start starts the process; failing to start fails the test.
func (c *Cmd) Start() {
	c.t.Helper()
	c.start = time.Now()
	if err := c.Cmd.Start(); err != nil {
		c.t.Fatalf("start groundwork %s: %v", strings.Join(c.args, " "), err)
	}
}

// StartUntil starts the process and returns once one line of its stderr
// holds every one of marks; stderr keeps being collected. When no such
// line comes within timeout, the process is killed and the test fails.
func (c *Cmd) StartUntil(timeout time.Duration, marks ...string) {
	c.t.Helper()
	seen := c.stderr.watch(marks)
	c.Start()
	select {
	case <-seen:
	case <-time.After(timeout):
		_ = c.Process.Kill()
		_ = c.Cmd.Wait()
		c.t.Fatalf("groundwork %s never logged a line with %q within %s\n%s", strings.Join(c.args, " "), marks, timeout, c.stderr)
	}
}

// StderrSoFar is what the process has written to stderr until now.
func (c *Cmd) StderrSoFar() string { return c.stderr.String() }

// Wait waits for the process to exit and returns the run. A process that
// did not exit by itself (killed by a signal, or by ctx) fails the test.
func (c *Cmd) Wait() Result {
	c.t.Helper()
	err := c.Cmd.Wait()
	r := Result{Args: c.args, Stdout: c.stdout.String(), Stderr: c.stderr.String(), Took: time.Since(c.start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.Code = ee.ExitCode()
	default:
		c.t.Fatalf("groundwork did not exit normally: %v\n%s", err, r)
	}
	return r
}

// Run starts the process and waits for it.
func (c *Cmd) Run() Result {
	c.t.Helper()
	c.Start()
	return c.Wait()
}

// Kill sends SIGKILL and reaps the process; it says whether the kill
// ended it (false: it had exited by itself before).
func (c *Cmd) Kill() bool {
	_ = c.Process.Kill() // a no-op once the process has exited
	_ = c.Cmd.Wait()
	ws, _ := c.ProcessState.Sys().(syscall.WaitStatus)
	return ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
