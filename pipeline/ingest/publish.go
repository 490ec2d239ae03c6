package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
)

// fastVirtualRate spaces order starts in virtual time when the rate is 0
// (as fast as possible): event timestamps then advance 1 s per 100,000 events.
const fastVirtualRate = 100_000

// Load is what a load run generates: the scenario, seed, how many orders
// (0 = no limit), the rate (0 = as fast as possible) and the duration
// (0 = no limit).
type Load struct {
	Scenario string
	Seed     int64
	Orders   int
	Rate     float64
	Duration time.Duration
}

// WithDefaults fills what l leaves unset from generator.*: an empty
// Scenario, a negative Rate and, unless seedSet, the Seed; a Seed still 0
// and not set is random (now).
func (l Load) WithDefaults(g config.Generator, seedSet bool, now time.Time) Load {
	if l.Scenario == "" {
		l.Scenario = g.Scenario
	}
	if l.Rate < 0 {
		l.Rate = g.Rate
	}
	if !seedSet {
		l.Seed = g.Seed
	}
	if l.Seed == 0 && !seedSet {
		l.Seed = now.UnixNano()
	}
	return l
}

// Expected is how many events l publishes when its end is known: Orders
// times perOrder, or Duration at Rate, whichever is less; 0 when unknown.
func (l Load) Expected(perOrder float64) int64 {
	var n int64
	if l.Orders > 0 {
		n = int64(float64(l.Orders) * perOrder)
	}
	if l.Duration > 0 && l.Rate > 0 {
		if byTime := int64(l.Rate * l.Duration.Seconds()); n == 0 || byTime < n {
			n = byTime
		}
	}
	return n
}

// NewGenerator builds the generator of l. With a rate its virtual clock
// starts now and each emission's At is the wall time to publish it: event
// time is publish time. At full speed (rate 0) it is a backfill: order
// starts are spaced as if at fastVirtualRate and the whole run is placed in
// the past (generator.Config.Until = now), so that with any SLAs, day-long
// ones included, no event time is in the future and every order's history
// is complete. The SLAs are cfg's, resolved as for run (demo SLAs when run
// would use them). It returns the virtual start.
func NewGenerator(cfg config.Config, l Load, now time.Time) (*generator.Generator, time.Time, error) {
	gc := generator.Config{
		Scenario: l.Scenario, Seed: l.Seed, Orders: l.Orders, Rules: cfg.Rules(),
		Start: now, Rate: l.Rate, IDPrefix: fmt.Sprintf("ORD-%04X-", uint64(l.Seed)&0xffff),
	}
	if l.Rate == 0 {
		gc.Rate, gc.Until = fastVirtualRate, now
	}
	g, err := generator.New(gc)
	if err != nil {
		return nil, now, err
	}
	return g, g.Start(), nil
}

// Publish publishes emissions asynchronously, paced by their At unless the
// rate is 0, until the generator ends, the duration passes (from start) or
// ctx is done, counting each in t.
func Publish(ctx context.Context, js jetstream.JetStream, topo contract.Topology, g *generator.Generator, l Load, start time.Time, t *Tally) error {
	end := time.Time{}
	if l.Duration > 0 {
		end = start.Add(l.Duration)
	}
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok {
			return nil
		}
		if l.Rate > 0 {
			if !end.IsZero() && em.At.After(end) {
				return nil
			}
			if time.Until(em.At) > time.Millisecond && !contract.SleepUntil(ctx, em.At) {
				return nil
			}
		} else if !end.IsZero() && time.Now().After(end) {
			return nil
		}
		if _, err := js.PublishMsgAsync(Msg(topo, g, em), jetstream.WithStallWait(10*time.Second)); err != nil {
			return fmt.Errorf("publish event %s of order %s: %w", em.Event.EventID, em.Event.OrderID, err)
		}
		t.Add(em)
	}
	return nil
}

// PublishAll is Publish on its own JetStream context of nc, then
// WaitPublished (at most 30 s): an error counts the events the stream did
// not store.
func PublishAll(ctx context.Context, nc *nats.Conn, topo contract.Topology, g *generator.Generator, l Load, t *Tally) error {
	var failed atomic.Int64
	var lastErr atomic.Value
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			failed.Add(1)
			lastErr.Store(err)
		}))
	if err != nil {
		return err
	}
	err = Publish(ctx, js, topo, g, l, time.Now(), t)
	werr := WaitPublished(js, 30*time.Second)
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d events not stored (last error: %v)", n, t.Events.Load(), lastErr.Load())
	}
	return errors.Join(err, werr)
}

// WaitPublished waits until every async publish is acknowledged.
func WaitPublished(js jetstream.JetStream, within time.Duration) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(within):
		return fmt.Errorf("%d events still unacknowledged after %s", js.PublishAsyncPending(), within)
	}
}
