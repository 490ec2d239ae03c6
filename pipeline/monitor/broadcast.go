package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Feed sizes: how many recent alerts and warnings a new subscriber gets
// first, how far back in ORDER_UPDATES the feed starts reading when the
// server starts, and how many events a subscriber may fall behind before
// it is dropped (its EventSource reconnects and resumes from the ring).
const (
	feedRing    = 200
	feedReplay  = 5000
	feedBacklog = 256
)

// FeedEvent is one alert or warning as stored in ORDER_UPDATES: its stream
// sequence (the SSE id), subject and the output JSON, unchanged.
type FeedEvent struct {
	Seq     uint64
	Subject string
	Data    []byte
}

// feed follows the alerts and warnings of ORDER_UPDATES with one ordered
// consumer (ephemeral, no state on the server) and fans them out to SSE
// subscribers. It keeps the last feedRing events for new subscribers and
// for subscribers that reconnect with Last-Event-ID.
type feed struct {
	log      *slog.Logger
	onOutput func(subject string) // told of every event, before subscribers

	mu   sync.Mutex
	ring []FeedEvent
	subs map[chan FeedEvent]struct{}
}

func newFeed(log *slog.Logger, onOutput func(string)) *feed {
	return &feed{log: log, onOutput: onOutput, subs: map[chan FeedEvent]struct{}{}}
}

// run reads from feedReplay outputs before the stream's end, then follows
// new ones until ctx is done.
func (f *feed) run(ctx context.Context, js jetstream.JetStream, topo contract.Topology) error {
	filters, err := outputFilters(ctx, js, topo, topo.AlertsWildcard(), topo.WarningsWildcard())
	if err != nil {
		return err
	}
	s, err := js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", contract.UpdatesStream, err)
	}
	last := s.CachedInfo().State.LastSeq
	start := uint64(1)
	if last > feedReplay {
		start = last - feedReplay + 1
	}
	c, err := js.OrderedConsumer(ctx, contract.UpdatesStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: start,
	})
	if err != nil {
		return fmt.Errorf("follow %v on %s: %w", filters, contract.UpdatesStream, err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		f.publish(FeedEvent{Seq: md.Sequence.Stream, Subject: m.Subject(), Data: m.Data()})
	})
	if err != nil {
		return fmt.Errorf("follow %v on %s: %w", filters, contract.UpdatesStream, err)
	}
	<-ctx.Done()
	cc.Stop()
	_ = contract.RemoveConsumer(ctx, js, contract.UpdatesStream, c) // not left for 5 minutes on an external server
	return nil
}

// publish records an event and hands it to every subscriber; a subscriber
// whose backlog is full is dropped (its channel closed).
func (f *feed) publish(e FeedEvent) {
	if f.onOutput != nil {
		f.onOutput(e.Subject)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ring = append(f.ring, e)
	if len(f.ring) > feedRing {
		f.ring = append(f.ring[:0], f.ring[len(f.ring)-feedRing:]...)
	}
	for ch := range f.subs {
		select {
		case ch <- e:
		default:
			delete(f.subs, ch)
			close(ch)
		}
	}
}

// subscribe returns the kept events after sequence after (0: all kept)
// and a channel of the events that follow; cancel ends the subscription.
func (f *feed) subscribe(after uint64) (backlog []FeedEvent, ch <-chan FeedEvent, cancel func()) {
	c := make(chan FeedEvent, feedBacklog)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.ring {
		if e.Seq > after {
			backlog = append(backlog, e)
		}
	}
	f.subs[c] = struct{}{}
	return backlog, c, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.subs[c]; ok {
			delete(f.subs, c)
			close(c)
		}
	}
}
