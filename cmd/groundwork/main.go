// Command groundwork makes sure a database has every structure and row an
// application needs, and proves it. See "groundwork --help".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/groundworkdb/groundwork/cmd/groundwork/internal/cli"
	"github.com/groundworkdb/groundwork/core"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go handleSignals(sigs, cancel, func(msg string) { cli.Notice(os.Stderr, os.Args[1:], os.Getenv, msg) })
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	signal.Stop(sigs)
	cancel(nil)
	os.Exit(code)
}

// handleSignals stops the command on the first SIGINT or SIGTERM: the
// context is cancelled with a *cli.Interrupt, a step already applying
// gets core.StepGrace to commit or roll back, the run is recorded as
// interrupted and the lock released. A second signal exits at once;
// whatever was not committed is rolled back by the database when the
// connection drops.
//
// notice writes each message in the --log-format asked for, so with json
// every line stderr gets is JSON.
func handleSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, notice func(string)) {
	first := &cli.Interrupt{Signal: <-sigs}
	notice(fmt.Sprintf("%s: stopping; a step being applied has up to %s to commit or roll back (send the signal again to exit at once)",
		first, core.StepGrace))
	cancel(first)
	second := &cli.Interrupt{Signal: <-sigs}
	notice(fmt.Sprintf("%s again: exiting at once (exit %d); the database rolls back what was not committed",
		second, second.ExitCode()))
	os.Exit(second.ExitCode())
}
