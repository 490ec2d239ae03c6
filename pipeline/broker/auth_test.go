package broker_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
)

// loopbackURL is the embedded server's client URL dialed through 127.0.0.1:
// the server listens on every interface (0.0.0.0), the rule is on the
// configured address, not on the route the test client takes.
func loopbackURL(t *testing.T, e *broker.Embedded) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(e.ClientURL(), "nats://"))
	if err != nil {
		t.Fatal(err)
	}
	return "nats://127.0.0.1:" + port
}

// TestEmbeddedOffLoopbackRequiresCredentials: an embedded server on a
// non-loopback address with nats.token or nats.user/nats.password refuses a
// client without them (with the wrong ones too) and serves JetStream to one
// with them; run's own in-process connection (Dial with embed) and a
// command's Dial, both from the same keys, get through.
func TestEmbeddedOffLoopbackRequiresCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		set   func(*config.NATS)
		right nats.Option
		wrong nats.Option
	}{
		{"token", func(n *config.NATS) { n.Token = "t0ken-s3cret" },
			nats.Token("t0ken-s3cret"), nats.Token("guess")},
		{"user and password", func(n *config.NATS) { n.User, n.Password = "ops", "pa55-s3cret" },
			nats.UserInfo("ops", "pa55-s3cret"), nats.UserInfo("ops", "guess")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := embeddedConfig(t.TempDir(), "0.0.0.0:0")
			tt.set(&cfg)
			log := slog.New(slog.DiscardHandler)
			run, err := broker.Dial(cfg, "test run", true, log)
			if err != nil {
				t.Fatalf("run's Dial with the credentials: %v", err)
			}
			defer run.Close()
			ctx := context.Background()
			if _, err := run.JS.AccountInfo(ctx); err != nil {
				t.Fatalf("run's in-process connection: %v", err)
			}
			url := loopbackURL(t, run.Embedded)

			for name, opts := range map[string][]nats.Option{"no credentials": nil, "wrong credentials": {tt.wrong}} {
				nc, err := nats.Connect(url, append(opts, nats.MaxReconnects(0))...)
				if err == nil {
					nc.Close()
					t.Fatalf("a client with %s connected to the embedded server on 0.0.0.0", name)
				}
				if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
					t.Errorf("a client with %s: %v, want an authorization violation", name, err)
				}
			}

			nc, err := nats.Connect(url, tt.right)
			if err != nil {
				t.Fatalf("a client with the credentials: %v", err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			if _, err := js.AccountInfo(ctx); err != nil {
				t.Errorf("JetStream for a client with the credentials: %v", err)
			}

			// A command (status, get, ...) reaches it from the same keys.
			cmdCfg := cfg
			cmdCfg.Embedded.Listen = strings.TrimPrefix(url, "nats://")
			cmd, err := broker.Dial(cmdCfg, "test command", false, log)
			if err != nil {
				t.Fatalf("a command's Dial with the credentials: %v", err)
			}
			defer cmd.Close()
			if _, err := cmd.JS.AccountInfo(ctx); err != nil {
				t.Errorf("JetStream for the command: %v", err)
			}
		})
	}
}

// TestEmbeddedOffLoopbackWithoutCredentialsRefused: without nats.token or
// nats.user/nats.password the embedded server does not start on a
// non-loopback address; the error names the key and what to set, and
// nothing listens.
func TestEmbeddedOffLoopbackWithoutCredentialsRefused(t *testing.T) {
	t.Parallel()
	for _, listen := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		e, err := broker.StartEmbedded(embeddedConfig(t.TempDir(), listen), slog.New(slog.DiscardHandler))
		if err == nil {
			e.Shutdown()
			t.Fatalf("the embedded server started on %s without credentials", listen)
		}
		for _, want := range []string{"nats.embedded.listen", "nats.token", "nats.user"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("listen %s: error %q does not name %s", listen, err, want)
			}
		}
	}
}

// TestEmbeddedLoopbackStaysOpen: on loopback the embedded server is the
// open dev mode: a client without credentials gets JetStream.
func TestEmbeddedLoopbackStaysOpen(t *testing.T) {
	t.Parallel()
	e, err := broker.StartEmbedded(embeddedConfig(t.TempDir(), "127.0.0.1:0"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown()
	nc, err := nats.Connect(e.ClientURL())
	if err != nil {
		t.Fatalf("a client without credentials on loopback: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.AccountInfo(context.Background()); err != nil {
		t.Errorf("JetStream without credentials on loopback: %v", err)
	}
}
