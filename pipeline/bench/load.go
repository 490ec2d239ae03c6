package bench

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/generator"
)

// loadMaxPending bounds the load's unacknowledged async publishes.
const loadMaxPending = 4096

// loader publishes load asynchronously and counts failed publishes.
type loader struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	failed  atomic.Int64
	lastErr atomic.Value
}

func newLoader(nc *nats.Conn) (*loader, error) {
	l := &loader{nc: nc}
	var err error
	l.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(loadMaxPending),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			l.failed.Add(1)
			l.lastErr.Store(err.Error())
		}))
	return l, err
}

// publish sends one message asynchronously; msgID may be empty.
func (l *loader) publish(subject string, data []byte, msgID string) error {
	m := nats.NewMsg(subject)
	m.Data = data
	if msgID != "" {
		m.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	_, err := l.js.PublishMsgAsync(m, jetstream.WithStallWait(30*time.Second))
	return err
}

// wait waits for every publish to be acknowledged and reports failures.
func (l *loader) wait(within time.Duration) error {
	if err := waitPublished(l.js, within); err != nil {
		return err
	}
	if n := l.failed.Load(); n > 0 {
		return fmt.Errorf("%d publishes failed (last: %v)", n, l.lastErr.Load())
	}
	return nil
}

// prepared is an input event ready to publish.
type prepared struct {
	subject string
	data    []byte
	msgID   string
	key     string // order id + "|" + event type, to match outputs
}

// sampleEvents prepares n events of the sample scenario: full lifecycles
// interleaved across orders, event times from start, order starts spaced
// as if at virtualRate events/s.
func sampleEvents(b *benchEnv, n int, start time.Time, virtualRate float64, seed int64) ([]prepared, error) {
	g, err := generator.New(generator.Config{
		Scenario: generator.Sample, Seed: seed, Orders: (n + 3) / 4, Rules: b.cfg.Rules(),
		Start: start, Rate: virtualRate, IDPrefix: fmt.Sprintf("B%d-", seed),
	})
	if err != nil {
		return nil, err
	}
	out := make([]prepared, 0, n)
	for len(out) < n {
		em, ok := g.Next()
		if !ok {
			break
		}
		out = append(out, prepared{
			subject: b.prov.Topology.EventSubject(em.Event.OrderID), data: g.JSON(em.Event),
			msgID: em.Event.EventID, key: em.Event.OrderID + "|" + string(em.Event.Type),
		})
	}
	return out, nil
}

// placedEvent is a ~200-byte ORDER_PLACED event of order id at ts.
func placedEvent(id string, i int, ts time.Time) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"event_id":"bp-`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","order_id":"`...)
	b = append(b, id...)
	b = append(b, `","customer_id":"CUST-`...)
	b = strconv.AppendInt(b, int64(i%10000), 10)
	b = append(b, `","event_type":"ORDER_PLACED","item_name":"Blue Jeans","item_category":"Pants","quantity":2,"price":79.99,"timestamp":"`...)
	b = ts.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","tenant_id":"bench"}`...)
	return b
}

// benchOrderID names the i-th order of a phase.
func benchOrderID(phase string, i int) string {
	return fmt.Sprintf("%s-%07d", phase, i)
}

// spread reorders events so that every event of an order lands in a
// different batch, as on a real day where an order's events are hours
// apart: every order's first event, then every order's second, and so on
// (all placed, then all processing, ...). Within a round the generator's
// order is kept. The interleaved order of sampleEvents lets one batch hold
// several events of an order, which coalesces its state writes and timers.
func spread(evs []prepared) []prepared {
	nth := make([]int, len(evs))
	seen := map[string]int{}
	rounds := 0
	for i, ev := range evs {
		id := ev.key[:strings.IndexByte(ev.key, '|')]
		nth[i] = seen[id]
		seen[id]++
		rounds = max(rounds, seen[id])
	}
	out := make([]prepared, 0, len(evs))
	for round := range rounds {
		for i, ev := range evs {
			if nth[i] == round {
				out = append(out, ev)
			}
		}
	}
	return out
}
