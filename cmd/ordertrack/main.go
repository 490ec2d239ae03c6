// Command ordertrack tracks retail orders through their lifecycle on NATS
// JetStream and alerts on SLA breaches. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal now kills the process at once
	}()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
