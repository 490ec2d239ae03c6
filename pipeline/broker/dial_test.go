package broker_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/broker"
)

// TestDialEmbeddedAndReachIt: run's Dial (embed) starts the embedded
// server; a command's Dial (no embed, no nats.url) reaches that server at
// nats.embedded.listen; Close stops what each started and is safe twice.
func TestDialEmbeddedAndReachIt(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	cfg := embeddedConfig(t.TempDir(), "127.0.0.1:0")
	run, err := broker.Dial(cfg, "test run", true, log)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	// The command is told the address the server bound.
	addr := strings.TrimPrefix(run.Embedded.ClientURL(), "nats://")
	cfg.Embedded.Listen = addr
	if run.Embedded == nil || run.URL() != run.Embedded.ClientURL() {
		t.Fatalf("embedded %v, URL %q: want the embedded server's URL", run.Embedded, run.URL())
	}
	cmd, err := broker.Dial(cfg, "test command", false, log)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Embedded != nil || cmd.URL() != "nats://"+addr {
		t.Errorf("embedded %v, URL %q: want no server of its own, nats://%s", cmd.Embedded, cmd.URL(), addr)
	}
	if _, err := cmd.JS.AccountInfo(context.Background()); err != nil {
		t.Errorf("JetStream through the running server: %v", err)
	}
	cmd.Close()
	cmd.Close()
	if _, err := run.JS.AccountInfo(context.Background()); err != nil {
		t.Errorf("the command's Close stopped the run's server: %v", err)
	}
	run.Close()
	run.Close()
	if _, err := broker.Dial(cfg, "test command", false, log); err == nil {
		t.Error("dialed a stopped server")
	}
}
