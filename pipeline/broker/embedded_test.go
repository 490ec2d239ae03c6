package broker_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func embeddedConfig(dir, listen string) config.NATS {
	cfg := config.Default().NATS
	cfg.URL = ""
	cfg.Embedded.StoreDir, cfg.Embedded.Listen = dir, listen
	return cfg
}

// TestSecondEmbeddedOnOneStoreFails starts two embedded servers on one
// store directory, the second on another address (the README's port-clash
// advice): it must fail at once naming the directory and the holder's PID,
// never listen, and leave the first working.
func TestSecondEmbeddedOnOneStoreFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	first, err := broker.StartEmbedded(embeddedConfig(dir, "127.0.0.1:0"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Shutdown()

	other := pipelinetest.UnusedAddr(t)
	began := time.Now()
	second, err := broker.StartEmbedded(embeddedConfig(dir, other), log)
	if err == nil {
		second.Shutdown()
		t.Fatal("a second embedded server started on a store in use")
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("the second start failed after %v, want at once", took)
	}
	abs, _ := filepath.Abs(dir)
	pid := "pid " + strconv.Itoa(os.Getpid())
	if !errors.Is(err, broker.ErrStoreLocked) || !strings.Contains(err.Error(), abs) || !strings.Contains(err.Error(), pid) {
		t.Errorf("error %q: want ErrStoreLocked naming %s and %s", err, abs, pid)
	}
	if c, err := net.DialTimeout("tcp", other, time.Second); err == nil {
		c.Close()
		t.Errorf("something listens on %s: a server started on the locked store", other)
	}

	// The first server still works.
	nc, err := nats.Connect(first.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "LOCKED", Subjects: []string{"locked.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "locked.1", []byte("x")); err != nil {
		t.Fatalf("first server after the refused second: %v", err)
	}
}

// TestStoreLockReleasedOnShutdown: once the first server is down, the
// store can be opened again.
func TestStoreLockReleasedOnShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	first, err := broker.StartEmbedded(embeddedConfig(dir, "127.0.0.1:0"), log)
	if err != nil {
		t.Fatal(err)
	}
	first.Shutdown()
	first.Shutdown() // twice is safe
	again, err := broker.StartEmbedded(embeddedConfig(dir, "127.0.0.1:0"), log)
	if err != nil {
		t.Fatalf("restart on a released store: %v", err)
	}
	again.Shutdown()
}

// TestEmbeddedPortInUseFailsAtOnce: a taken nats.embedded.listen fails the
// start at once naming the key and the address (nats-server alone leaves
// ReadyForConnections waiting 15s), and releases the store.
func TestEmbeddedPortInUseFailsAtOnce(t *testing.T) {
	t.Parallel()
	dir, addr := t.TempDir(), pipelinetest.Occupy(t)
	var err error
	done := make(chan error, 1)
	go func() {
		e, err := broker.StartEmbedded(embeddedConfig(dir, addr), slog.New(slog.DiscardHandler))
		if err == nil {
			e.Shutdown()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("a taken port was not reported within 3s")
	}
	if err == nil || !strings.Contains(err.Error(), "nats.embedded.listen "+addr) {
		t.Fatalf("err %v, want one naming nats.embedded.listen %s", err, addr)
	}
	// The store is free again: a server on another port starts.
	e, err := broker.StartEmbedded(embeddedConfig(dir, "127.0.0.1:0"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("the store stayed locked after the failed start: %v", err)
	}
	e.Shutdown()
}
