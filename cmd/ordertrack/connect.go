package main

import (
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
)

// conn is a NATS connection with JetStream, and the embedded server behind
// it if ordertrack started one.
type conn struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	embedded *broker.Embedded
}

// dial connects as configured. With embed, an empty nats.url starts the
// embedded server; otherwise commands reach the one a running pipeline
// started, at nats.embedded.listen.
func dial(cfg config.Config, name string, embed bool, log *slog.Logger) (*conn, error) {
	c := &conn{}
	opts := broker.ConnectOptions{Name: name, Announce: embed}
	natsCfg := cfg.NATS
	if cfg.Embedded() {
		if embed {
			e, err := broker.StartEmbedded(cfg.NATS, log)
			if err != nil {
				return nil, err
			}
			c.embedded, opts.Embedded = e, e
		} else {
			natsCfg.URL = "nats://" + cfg.NATS.Embedded.Listen
		}
	}
	nc, err := broker.Connect(natsCfg, opts, log)
	if err != nil {
		c.embedded.Shutdown()
		return nil, err
	}
	c.nc = nc
	c.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// close drains the connection and stops the embedded server. Safe to call twice.
func (c *conn) close() {
	if c.nc != nil {
		broker.Close(c.nc)
		c.nc = nil
	}
	c.embedded.Shutdown()
	c.embedded = nil
}
