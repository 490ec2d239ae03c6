package monitor

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// Partition is what NATS says about one partition's two durable consumers
// and the instance that owns it. A consumer that does not exist is nil.
type Partition struct {
	Index  int
	Events *jetstream.ConsumerInfo // ordertrack-p<N> on ORDER_EVENTS
	Timers *jetstream.ConsumerInfo // ordertrack-sla-p<N> on ORDER_SLA
	// Instance is the name of the instance whose heartbeat claims the
	// partition; "" when none does.
	Instance string
}

// Owner returns the name of the instance owning the partition and since
// when its consumer is pinned to it (zero when not pinned yet, e.g. idle);
// "" when no instance owns it.
func (p Partition) Owner() (string, time.Time) {
	if p.Instance == "" {
		return "", time.Time{}
	}
	if p.Events != nil {
		for _, g := range p.Events.PriorityGroups {
			if g.Group == contract.PriorityGroup && g.PinnedClientID != "" {
				return p.Instance, g.PinnedTS
			}
		}
	}
	return p.Instance, time.Time{}
}

// pinned reports whether a client holds the partition's events pin.
func (p Partition) pinned() bool {
	if p.Events == nil {
		return false
	}
	for _, g := range p.Events.PriorityGroups {
		if g.Group == contract.PriorityGroup && g.PinnedClientID != "" {
			return true
		}
	}
	return false
}

// Served reports whether an instance consumes the partition: one is pinned,
// or (for an idle partition, which the server pins only once a message
// arrives) pull requests are waiting.
func (p Partition) Served() bool {
	if p.Events == nil {
		return false
	}
	return p.pinned() || p.Events.NumWaiting > 0
}

// Pending returns the partition's events not yet delivered plus its fired
// SLA checks not yet delivered.
func (p Partition) Pending() uint64 {
	return p.sum(func(c *jetstream.ConsumerInfo) uint64 { return c.NumPending })
}

// AckPending returns the partition's messages delivered but not yet acked.
func (p Partition) AckPending() int {
	return int(p.sum(func(c *jetstream.ConsumerInfo) uint64 { return uint64(c.NumAckPending) }))
}

// Redelivered returns the partition's messages delivered more than once and
// not yet acked.
func (p Partition) Redelivered() int {
	return int(p.sum(func(c *jetstream.ConsumerInfo) uint64 { return uint64(c.NumRedelivered) }))
}

// sum adds a count over the partition's consumers that exist.
func (p Partition) sum(count func(*jetstream.ConsumerInfo) uint64) uint64 {
	var n uint64
	for _, c := range []*jetstream.ConsumerInfo{p.Events, p.Timers} {
		if c != nil {
			n += count(c)
		}
	}
	return n
}

// Partitions lists the consumers of every partition of topo, with one
// paged listing per stream (not one request per consumer).
func Partitions(ctx context.Context, js jetstream.JetStream, topo contract.Topology) ([]Partition, error) {
	events, err := consumers(ctx, js, contract.EventsStream)
	if err != nil {
		return nil, err
	}
	timers, err := consumers(ctx, js, contract.SLAStream)
	if err != nil {
		return nil, err
	}
	instances, err := ownership.ReadInstances(ctx, js, topo.Prefix)
	if err != nil {
		return nil, err
	}
	out := make([]Partition, topo.Partitions)
	for i := range out {
		out[i] = Partition{Index: i, Events: events[topo.EventsConsumer(i)], Timers: timers[topo.TimersConsumer(i)]}
		for _, in := range instances {
			if in.Owns(i) {
				out[i].Instance = in.Name
			}
		}
	}
	return out, nil
}

func consumers(ctx context.Context, js jetstream.JetStream, stream string) (map[string]*jetstream.ConsumerInfo, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	l := s.ListConsumers(ctx)
	out := map[string]*jetstream.ConsumerInfo{}
	for ci := range l.Info() {
		out[ci.Name] = ci
	}
	if err := l.Err(); err != nil {
		return nil, fmt.Errorf("list consumers of %s: %w", stream, err)
	}
	return out, nil
}
