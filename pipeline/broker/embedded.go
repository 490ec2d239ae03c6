package broker

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/ordertrack/ordertrack/config"
)

// Embedded is an in-process nats-server with JetStream.
type Embedded struct {
	srv  *server.Server
	lock *storeLock
}

// StartEmbedded starts a server storing JetStream data under
// cfg.Embedded.StoreDir and listening on cfg.Embedded.Listen (port 0 picks a
// free port), so producers and the nats CLI can reach it. It first takes an
// exclusive lock on the store directory (LockFile) and fails at once with
// ErrStoreLocked, naming the directory and the holder's PID, if another
// process holds it: no server ever starts on a store in use.
//
// On loopback the server is open (the dev mode). Any other address needs
// nats.token or nats.user/nats.password (config.NATS.CheckEmbeddedListen);
// whenever they are set the server requires them of every client, run's
// own in-process connection included (Connect presents them).
func StartEmbedded(cfg config.NATS, log *slog.Logger) (*Embedded, error) {
	if err := cfg.CheckEmbeddedListen(); err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(cfg.Embedded.Listen)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded.listen %q: %w", cfg.Embedded.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded.listen %q: bad port", cfg.Embedded.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	dir, err := filepath.Abs(cfg.Embedded.StoreDir)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded.store_dir %q: %w", cfg.Embedded.StoreDir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("nats.embedded.store_dir %q: %w", dir, err)
	}
	lock, err := lockStore(dir)
	if err != nil {
		return nil, err
	}
	if err := portFree(host, port); err != nil {
		lock.release()
		return nil, err
	}
	opts := &server.Options{
		ServerName: "ordertrack-embedded", Host: host, Port: port,
		JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true,
		MaxPayload: 1 << 20,
	}
	switch { // the same precedence as the clients' (embeddedAuth)
	case cfg.User != "":
		opts.Username, opts.Password = cfg.User, cfg.Password
	case cfg.Token != "":
		opts.Authorization = cfg.Token
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("embedded nats-server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		lock.release()
		return nil, fmt.Errorf("embedded nats-server did not start on %s (port in use? set nats.embedded.listen)", cfg.Embedded.Listen)
	}
	log.Info("embedded NATS server started", "url", srv.ClientURL(), "store_dir", dir, "auth", authMode(cfg))
	return &Embedded{srv: srv, lock: lock}, nil
}

// authMode names what the embedded server requires of clients, for the
// log: "none", "token" or "user" (never the secret).
func authMode(cfg config.NATS) string {
	switch {
	case cfg.User != "":
		return "user"
	case cfg.Token != "":
		return "token"
	}
	return "none"
}

// portFree fails at once, naming nats.embedded.listen, when the port is
// taken: nats-server itself only stops accepting and would leave
// ReadyForConnections waiting its whole timeout (15 s).
func portFree(host string, port int) error {
	if port == server.RANDOM_PORT {
		return nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("nats.embedded.listen %s: %w (another ordertrack run or nats-server? set nats.embedded.listen to a free host:port)", addr, err)
	}
	return ln.Close()
}

// ClientURL is where clients reach the server.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Server returns the underlying server (for in-process connections).
func (e *Embedded) Server() *server.Server { return e.srv }

// Shutdown stops the server, waits until it is down and releases the
// store's lock. Safe to call twice.
func (e *Embedded) Shutdown() {
	if e == nil || e.srv == nil {
		return
	}
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	e.lock.release()
}
