package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
)

// ErrNotReady is wrapped by Ready's errors.
var ErrNotReady = errors.New("not ready")

// Ready reports whether the pipeline can do its work: the connection is up,
// the streams and every partition's consumers exist, and each partition is
// served by an instance (pinned, or waiting for messages). The error says
// which of these failed.
func Ready(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, topo pipeline.Topology) error {
	if st := nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("%w: NATS connection is %s", ErrNotReady, strings.ToLower(st.String()))
	}
	parts, err := Partitions(ctx, js, topo)
	if err != nil {
		return fmt.Errorf("%w: not provisioned: %v", ErrNotReady, err)
	}
	var missing, idle []string
	for _, p := range parts {
		switch {
		case p.Events == nil:
			missing = append(missing, topo.EventsConsumer(p.Index))
		case p.Timers == nil:
			missing = append(missing, topo.TimersConsumer(p.Index))
		case !p.Served():
			idle = append(idle, fmt.Sprint(p.Index))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: consumers missing: %s", ErrNotReady, strings.Join(missing, ", "))
	}
	if len(idle) > 0 {
		return fmt.Errorf("%w: no instance consumes partitions %s", ErrNotReady, strings.Join(idle, ", "))
	}
	return nil
}
