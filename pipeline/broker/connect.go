package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/config"
)

// ConnectOptions tune a connection.
type ConnectOptions struct {
	Name string // client name shown by the server, e.g. "ordertrack run"
	// Embedded, if set, is connected to in-process.
	Embedded *Embedded
	// Timeout bounds the initial connection; default 5s.
	Timeout time.Duration
	// Announce logs "connected to NATS" at info rather than debug (the
	// long-running pipeline; one-shot commands keep stderr quiet).
	Announce bool
	// RetryOnFailedConnect keeps trying in the background when the server is
	// not up yet at start (the pipeline); commands fail fast instead.
	RetryOnFailedConnect bool
}

// Connect connects to the embedded server or to cfg.URL with the
// configured credentials, reconnecting forever with backoff and logging it.
// Against an external server it logs "connected to NATS" with the server's
// name and cluster. Neither its errors nor its logs show a URL's secret.
func Connect(cfg config.NATS, o ConnectOptions, log *slog.Logger) (*nats.Conn, error) {
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	opts := []nats.Option{
		nats.Name(o.Name), nats.Timeout(o.Timeout), nats.DrainTimeout(5 * time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.ReconnectJitter(500*time.Millisecond, 2*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS; reconnecting", "err", RedactError(err))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				log.Error("NATS denied a permission; see docs/permissions.md", "err", RedactError(err))
				return
			}
			log.Debug("nats async error", "err", RedactError(err))
		}),
	}
	if o.RetryOnFailedConnect {
		opts = append(opts, nats.RetryOnFailedConnect(true))
	}
	if o.Embedded != nil {
		opts = append(opts, nats.InProcessServer(o.Embedded.Server()))
		opts = append(opts, embeddedAuth(cfg)...)
		return nats.Connect(o.Embedded.ClientURL(), opts...)
	}
	auth, err := authOptions(cfg)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, append(opts, auth...)...)
	if err != nil {
		return nil, RedactError(fmt.Errorf("connect to NATS at %s: %w (check nats.url and credentials)", cfg.URL, err))
	}
	logConnected(nc, o.Announce, log)
	return nc, nil
}

// logConnected says which server of which cluster an external connection
// reached (with RetryOnFailedConnect it may not be connected yet: then
// the reconnect handler says it).
func logConnected(nc *nats.Conn, announce bool, log *slog.Logger) {
	if !nc.IsConnected() {
		return
	}
	attrs := []any{"url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName(),
		"server_id", nc.ConnectedServerId(), "version", nc.ConnectedServerVersion()}
	if cl := nc.ConnectedClusterName(); cl != "" {
		attrs = append(attrs, "cluster", cl)
	}
	level := slog.LevelDebug
	if announce {
		level = slog.LevelInfo
	}
	log.Log(context.Background(), level, "connected to NATS", attrs...)
}

// embeddedAuth presents to the embedded server what StartEmbedded made it
// require: nats.user/nats.password, else nats.token (a .creds file or TLS
// means nothing to it).
func embeddedAuth(cfg config.NATS) []nats.Option {
	switch {
	case cfg.User != "":
		return []nats.Option{nats.UserInfo(cfg.User, cfg.Password)}
	case cfg.Token != "":
		return []nats.Option{nats.Token(cfg.Token)}
	}
	return nil
}

func authOptions(cfg config.NATS) ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case cfg.Credentials != "":
		opts = append(opts, nats.UserCredentials(cfg.Credentials))
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	case cfg.Token != "":
		opts = append(opts, nats.Token(cfg.Token))
	}
	if cfg.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CA))
	}
	if cfg.TLS.Cert != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.Cert, cfg.TLS.Key))
	}
	if cfg.TLS.Insecure {
		opts = append(opts, nats.Secure(&tlsInsecure))
	}
	return opts, nil
}

// Close drains nc (pending subscriptions' messages handled, buffered
// publishes, acks and naks flushed) and waits until it is closed, at most
// the drain timeout and a second. nats.Conn.Drain alone returns at once:
// stopping the embedded server right after it could lose what was still
// buffered.
func Close(nc *nats.Conn) {
	done := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(done) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	select {
	case <-done:
	case <-time.After(6 * time.Second):
		nc.Close()
	}
}
