// Command groundwork makes sure a database has every structure and row an
// application needs, and proves it. See "groundwork --help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/groundworkdb/groundwork/cmd/groundwork/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
