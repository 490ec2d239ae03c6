package pipelinetest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream is an embedded JetStream server on a random loopback port with
// a store of its own and a client connected to it. RunJetStream stops both
// when the test ends.
type JetStream struct {
	// Server is the running server; Restart replaces it.
	Server *server.Server
	// Conn is the client connection, JS its JetStream context.
	Conn *nats.Conn
	JS   jetstream.JetStream

	t          testing.TB
	user, pass string
	once       sync.Once
}

// Option changes how RunJetStream starts the server or connects.
type Option func(*jsSetup)

type jsSetup struct {
	noJS       bool
	storeDir   string
	user, pass string
	conn       []nats.Option
	js         []jetstream.JetStreamOpt
}

// WithoutJetStream runs a plain server, JetStream disabled.
func WithoutJetStream() Option { return func(s *jsSetup) { s.noJS = true } }

// Auth makes the server require user and password; the kit's own client
// connects with them.
func Auth(user, password string) Option {
	return func(s *jsSetup) {
		s.user, s.pass = user, password
		s.conn = append(s.conn, nats.UserInfo(user, password))
	}
}

// StoreDir runs the server on dir instead of a fresh t.TempDir().
func StoreDir(dir string) Option { return func(s *jsSetup) { s.storeDir = dir } }

// ConnOptions adds options to the client connection.
func ConnOptions(opts ...nats.Option) Option {
	return func(s *jsSetup) { s.conn = append(s.conn, opts...) }
}

// JSOptions adds options to the JetStream context.
func JSOptions(opts ...jetstream.JetStreamOpt) Option {
	return func(s *jsSetup) { s.js = append(s.js, opts...) }
}

// Reconnecting is ConnOptions(ReconnectForever()...).
func Reconnecting() Option { return ConnOptions(ReconnectForever()...) }

// ReconnectForever are options for a client that outlives a restart of the
// server: it reconnects forever, every 50 ms, and logs nothing.
func ReconnectForever() []nats.Option {
	return []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond), nats.ReconnectJitter(0, 0),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}
}

// RunJetStream starts an embedded JetStream server (a copy of the
// nats-server test options, random port, store under t.TempDir()) and
// connects to it. The connection is closed and the server shut down when
// the test ends, after the test's later cleanups.
func RunJetStream(t testing.TB, opts ...Option) *JetStream {
	t.Helper()
	var s jsSetup
	for _, o := range opts {
		o(&s)
	}
	if s.storeDir == "" {
		s.storeDir = t.TempDir()
	}
	j := &JetStream{t: t, user: s.user, pass: s.pass, Server: runServer(t, s.storeDir, -1, s.user, s.pass, !s.noJS)}
	t.Cleanup(j.Shutdown)
	j.Conn, j.JS = Connect(t, j.Server.ClientURL(), s.conn, s.js...)
	return j
}

// URL is the server's client URL.
func (j *JetStream) URL() string { return j.Server.ClientURL() }

// Shutdown closes the connection and stops the server, waiting until its
// store is released. It is safe to call more than once.
func (j *JetStream) Shutdown() {
	j.once.Do(func() {
		j.Conn.Close()
		j.Server.Shutdown()
		j.Server.WaitForShutdown()
	})
}

// Restart stops the server and starts another on the same port and store
// while clients keep running (connect them with Reconnecting).
func (j *JetStream) Restart() {
	j.t.Helper()
	port := j.Server.Addr().(*net.TCPAddr).Port
	dir := strings.TrimSuffix(j.Server.StoreDir(), "/jetstream")
	j.Server.Shutdown()
	j.Server.WaitForShutdown()
	j.Server = runServer(j.t, dir, port, j.user, j.pass, true)
}

// RunServer starts an embedded JetStream server on the loopback port (-1:
// random) with its store in dir, and shuts it down when the test ends.
func RunServer(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	return runServer(t, dir, port, "", "", true)
}

func runServer(t testing.TB, dir string, port int, user, pass string, js bool) *server.Server {
	t.Helper()
	opts := natstest.DefaultTestOptions // a copy: never share the global value
	opts.Port = port
	opts.JetStream = js
	opts.StoreDir = dir
	opts.Username, opts.Password = user, pass
	srv, err := server.NewServer(&opts)
	if err != nil {
		t.Fatalf("embedded server on %s: %v", dir, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("embedded server on %s not ready within 10s", dir)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// Connect opens a connection to url that is closed when the test ends.
func Connect(t testing.TB, url string, opts []nats.Option, jsOpts ...jetstream.JetStreamOpt) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jsOpts...)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// LimitAccount sets the JetStream limits of the server's (global) account
// to maxConsumers and maxStreams (-1: none), as an operator's
// max_consumers and max_streams would; Restart does not keep them.
func (j *JetStream) LimitAccount(maxConsumers, maxStreams int) {
	j.t.Helper()
	err := j.Server.GlobalAccount().UpdateJetStreamLimits(map[string]server.JetStreamAccountLimits{
		"": {MaxMemory: -1, MaxStore: -1, MaxConsumers: maxConsumers, MaxStreams: maxStreams, MaxAckPending: -1},
	})
	if err != nil {
		j.t.Fatalf("account limits: %v", err)
	}
}
