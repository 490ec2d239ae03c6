package pipelinetest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ConfigFileOptions reads a nats-server configuration file as
// `nats-server -c FILE` (and `nats-server -t`) does, failing the test when
// the server would refuse it. The client port becomes random and
// loopback-only, monitoring is off and the JetStream store is a fresh
// t.TempDir(); routes and cluster ports are left to the caller.
func ConfigFileOptions(t testing.TB, path string) *server.Options {
	t.Helper()
	o, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("nats-server refuses %s: %v", path, err)
	}
	o.Host, o.Port = "127.0.0.1", -1
	o.HTTPHost, o.HTTPPort = "", 0
	o.StoreDir = t.TempDir()
	o.NoSigs = true
	return o
}

// RunOptions starts a nats-server with o and stops it when the test ends.
func RunOptions(t testing.TB, o *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("nats-server options: %v", err)
	}
	go s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatalf("nats-server %s not ready within 10s", o.ServerName)
	}
	return s
}

// NATSServerBinary returns the nats-server binary of go.mod's version,
// built once from the module cache, e.g. to run `nats-server -t`.
func NATSServerBinary(t testing.TB) string {
	t.Helper()
	return natsServerBinary(t)
}
