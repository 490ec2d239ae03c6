package broker

import (
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
)

// Conn is a NATS connection with JetStream, and the embedded server behind
// it if Dial started one.
type Conn struct {
	NC       *nats.Conn
	JS       jetstream.JetStream
	Embedded *Embedded // nil against an external server
	url      string    // as dialed
}

// Dial connects as cfg says, as the client name. With embed, an empty
// nats.url starts the embedded server (run); otherwise a command reaches
// the one a running pipeline started, at nats.embedded.listen.
func Dial(cfg config.NATS, name string, embed bool, log *slog.Logger) (*Conn, error) {
	c := &Conn{}
	opts := ConnectOptions{Name: name, Announce: embed}
	if cfg.URL == "" {
		if embed {
			e, err := StartEmbedded(cfg, log)
			if err != nil {
				return nil, err
			}
			c.Embedded, opts.Embedded = e, e
		} else {
			cfg.URL = "nats://" + cfg.Embedded.Listen
		}
	}
	c.url = cfg.URL
	nc, err := Connect(cfg, opts, log)
	if err != nil {
		c.Embedded.Shutdown()
		return nil, err
	}
	c.NC = nc
	c.JS, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// URL is the server's URL: the embedded server's, else nats.url (unredacted).
func (c *Conn) URL() string {
	if c.Embedded != nil {
		return c.Embedded.ClientURL()
	}
	return c.url
}

// Close drains the connection and stops the embedded server. Safe to call twice.
func (c *Conn) Close() {
	if c.NC != nil {
		Close(c.NC)
		c.NC = nil
	}
	c.Embedded.Shutdown()
	c.Embedded = nil
}
