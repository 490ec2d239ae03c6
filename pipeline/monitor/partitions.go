package monitor

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
)

// Partition is what NATS says about one partition's two durable consumers.
// A consumer that does not exist is nil.
type Partition struct {
	Index  int
	Events *jetstream.ConsumerInfo // ordertrack-p<N> on ORDER_EVENTS
	Timers *jetstream.ConsumerInfo // ordertrack-sla-p<N> on ORDER_SLA
}

// Owner returns the pinned client id of the partition's event consumer and
// since when it holds the pin; "" when no instance is pinned.
func (p Partition) Owner() (string, time.Time) {
	if p.Events == nil {
		return "", time.Time{}
	}
	for _, g := range p.Events.PriorityGroups {
		if g.Group == pipeline.PriorityGroup && g.PinnedClientID != "" {
			return g.PinnedClientID, g.PinnedTS
		}
	}
	return "", time.Time{}
}

// Served reports whether an instance consumes the partition: one is pinned,
// or (for an idle partition, which the server pins only once a message
// arrives) pull requests are waiting.
func (p Partition) Served() bool {
	if p.Events == nil {
		return false
	}
	id, _ := p.Owner()
	return id != "" || p.Events.NumWaiting > 0
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
func Partitions(ctx context.Context, js jetstream.JetStream, topo pipeline.Topology) ([]Partition, error) {
	events, err := consumers(ctx, js, pipeline.EventsStream)
	if err != nil {
		return nil, err
	}
	timers, err := consumers(ctx, js, pipeline.SLAStream)
	if err != nil {
		return nil, err
	}
	out := make([]Partition, topo.Partitions)
	for i := range out {
		out[i] = Partition{Index: i, Events: events[topo.EventsConsumer(i)], Timers: timers[topo.TimersConsumer(i)]}
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
