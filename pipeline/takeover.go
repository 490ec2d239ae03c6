package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Takeover: how a worker starts on a partition consumer so that what a
// previous owner had taken and not acknowledged is processed first, in
// stream order, at once rather than after ack_wait (docs/faults.md, "Order
// after a crash or a takeover").
//
//  1. Become the consumer's pinned client: pull one message at a time
//     until the server delivers one (it pins the first puller once the
//     previous pin was released or expired). That pull is complete, so the
//     server has no request of this worker left to deliver to.
//  2. Rewind the consumer to its ack floor ($JS.API.CONSUMER.RESET with no
//     sequence, Stream.ResetConsumer): the server forgets its pending and
//     redelivery state and delivers again from ack floor + 1, in stream
//     order. The message pulled in step 1 is dropped unacknowledged; it
//     comes again in its place.
//  3. Consume with the same pin. If a delivery ever carries another pin id
//     (the pin expired, or the consumer's leader moved and pinned again),
//     the feed is stale: its deliveries are dropped and the worker takes
//     over again.

// pinHeader carries, on each delivered message, the id the server pinned
// the receiving client with.
const pinHeader = "Nats-Pin-Id"

// resetAttempts bounds the retries of a reset that failed transiently
// (a leader election); past them the worker consumes without rewinding.
const resetAttempts = 20

// feed is one consumption of a partition consumer by its worker: a
// takeover, then a Consume under the pin it won.
type feed struct {
	stream jetstream.Stream
	name   string
	timer  bool // ORDER_SLA's fired checks rather than input events

	// c is the consumer handle; a feed replacing a stale one reuses it,
	// so that its first pull carries the pin id the server gave last (the
	// client keeps it) and is served at once rather than after pinned_ttl.
	c jetstream.Consumer

	mu  sync.Mutex
	pin string // the pin id won at the takeover
	cc  jetstream.ConsumeContext
	err error // the takeover or the Consume failed
	// stale is set once a delivery carried another pin id, or the feed
	// was stopped: its deliveries not yet processed are dropped.
	stale bool
	// taken is closed once the takeover ended (consuming, failed or
	// stopped).
	taken chan struct{}
}

// feedOptions are what a feed needs from its worker.
type feedOptions struct {
	maxBatch int
	wait     time.Duration // pull expiry: how long one takeover pull waits
	part     int
	log      *slog.Logger
	deliver  func(*feed, jetstream.Msg) // hands a delivery to the worker
	changed  func()                     // the feed failed
	stale    func(*feed)                // the feed became stale: replace it
}

// newFeed returns a feed of consumer name on s; prev is the feed it
// replaces, or nil.
func newFeed(s jetstream.Stream, name string, timer bool, prev *feed) *feed {
	f := &feed{stream: s, name: name, timer: timer, taken: make(chan struct{})}
	if prev != nil {
		f.c = prev.c
	}
	return f
}

// start takes the consumer over and consumes it, in the background.
func (f *feed) start(ctx context.Context, o feedOptions) {
	go func() {
		defer close(f.taken)
		err := f.run(ctx, o)
		if err != nil && ctx.Err() == nil {
			f.mu.Lock()
			f.err = err
			f.mu.Unlock()
			o.changed()
		}
	}()
}

func (f *feed) run(ctx context.Context, o feedOptions) error {
	if f.c == nil {
		c, err := f.stream.Consumer(ctx, f.name)
		if err != nil {
			return fmt.Errorf("partition %d: consumer %s: %w", o.part, f.name, err)
		}
		f.c = c
	}
	c := f.c
	pin, err := f.takeOver(ctx, c, o)
	if err != nil || pin == "" {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pin = pin // unpinned on release even if stopped before consuming
	if f.stale || ctx.Err() != nil {
		return nil
	}
	f.cc, err = c.Consume(func(m jetstream.Msg) { f.handle(m, o) },
		jetstream.PullPriorityGroup(contract.PriorityGroup),
		jetstream.PullMaxMessages(o.maxBatch),
		jetstream.PullExpiry(o.wait),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				o.log.Debug("consumer", "partition", o.part, "consumer", f.name, "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("partition %d: consume %s: %w", o.part, f.name, err)
	}
	return nil
}

// takeOver pins this worker and rewinds the consumer to its ack floor; it
// returns the pin id, or "" when ctx ended first.
func (f *feed) takeOver(ctx context.Context, c jetstream.Consumer, o feedOptions) (string, error) {
	m, err := pinned(ctx, c, o.wait)
	if m == nil || err != nil {
		return "", err
	}
	pin := m.Headers().Get(pinHeader)
	seq, err := rewind(ctx, f.stream, f.name)
	if err != nil {
		// Without the rewind the previous owner's deliveries come back
		// after ack_wait, as they would with any pull consumer; hand this
		// one back at once and consume.
		_ = m.Nak()
		if ctx.Err() != nil {
			return pin, nil // stopped: the pin is released with the worker
		}
		o.log.Warn("could not rewind the consumer to its ack floor at takeover; what the previous owner left unacknowledged comes back after streaming.ack_wait",
			"partition", o.part, "consumer", f.name, "err", err)
		return pin, nil
	}
	o.log.Debug("partition consumer taken over", "partition", o.part, "consumer", f.name, "from_sequence", seq)
	return pin, nil
}

// pinned pulls one message at a time until the server delivers one, which
// makes this client the pinned one; nil when ctx ended first.
func pinned(ctx context.Context, c jetstream.Consumer, wait time.Duration) (jetstream.Msg, error) {
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, wait)
		batch, err := c.Fetch(1, jetstream.FetchPriorityGroup(contract.PriorityGroup), jetstream.FetchContext(fctx))
		if err != nil {
			cancel()
			if ctx.Err() != nil || !contract.Transient(err) && !errors.Is(err, jetstream.ErrPinIDMismatch) {
				return nil, fmt.Errorf("pull: %w", err)
			}
			contract.SleepUntil(ctx, time.Now().Add(retryFirst))
			continue
		}
		var got jetstream.Msg
		for m := range batch.Messages() {
			got = m
		}
		cancel()
		if got != nil {
			return got, nil
		}
	}
	return nil, nil
}

// rewind resets the consumer to its ack floor, retrying while the cluster
// cannot answer; it returns the first sequence delivered again.
func rewind(ctx context.Context, s jetstream.Stream, name string) (uint64, error) {
	var err error
	for range resetAttempts {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		var r *jetstream.ConsumerResetResponse
		r, err = s.ResetConsumer(rctx, name)
		cancel()
		if err == nil {
			return r.ResetSeq, nil
		}
		if ctx.Err() != nil || !contract.Transient(err) {
			break
		}
		contract.SleepUntil(ctx, time.Now().Add(retryFirst))
	}
	return 0, fmt.Errorf("reset consumer %s: %w", name, err)
}

// handle passes a delivery to the worker unless the feed is stale; a
// delivery under another pin makes it stale.
func (f *feed) handle(m jetstream.Msg, o feedOptions) {
	f.mu.Lock()
	if id := m.Headers().Get(pinHeader); id != "" && id != f.pin && !f.stale {
		f.stale = true
		f.mu.Unlock()
		o.log.Info("partition consumer pinned again (pin expired or leader moved); taking it over again",
			"partition", o.part, "consumer", f.name)
		o.stale(f)
		return
	}
	stale := f.stale
	f.mu.Unlock()
	if !stale {
		o.deliver(f, m)
	}
}

// isStale reports whether the feed's deliveries are to be dropped.
func (f *feed) isStale() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stale
}

// failed returns the error that ended the feed's takeover or Consume.
func (f *feed) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// pinID returns the pin id the feed won, "" while taking over.
func (f *feed) pinID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pin
}

// consuming returns the feed's consume context, nil while taking over.
func (f *feed) consuming() jetstream.ConsumeContext {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cc
}

// stop ends a stale feed: it stops consuming (undelivered messages are
// dropped; the rewind of the next takeover delivers them again) and waits
// for the takeover to end.
func (f *feed) stop() {
	f.mu.Lock()
	f.stale = true
	cc := f.cc
	f.mu.Unlock()
	if cc != nil {
		cc.Stop()
		select {
		case <-cc.Closed():
		case <-time.After(2 * time.Second):
		}
	}
}
