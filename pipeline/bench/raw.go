package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// rawPayload is the size of a raw baseline message.
const rawPayload = 200

// benchRaw measures plain JetStream on the same kind of server: async
// publish of 200-byte messages to a file-storage stream, then a pull
// consumer acking each message.
func (r *benchRun) benchRaw(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	n := r.opts.Events
	js := e.load.js
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BENCH_RAW", Subjects: []string{"bench.raw"},
		Storage: jetstream.FileStorage}); err != nil {
		return fmt.Errorf("create raw stream: %w", err)
	}
	payload := make([]byte, rawPayload)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	begin := time.Now()
	for range n {
		if err := e.load.publish("bench.raw", payload, ""); err != nil {
			return err
		}
	}
	if err := e.load.wait(60 * time.Second); err != nil {
		return err
	}
	pub := time.Since(begin)
	r.report.add("raw", "JetStream async publish (200 B)", perSecond(n, pub), "msgs/s")
	r.rawPublish = perSecond(n, pub)

	took, err := consumeAll(ctx, js, n)
	if err != nil {
		return err
	}
	consume := perSecond(n, took)
	r.report.add("raw", "JetStream consume + ack each (200 B)", consume, "msgs/s")
	r.rawRound = roundTrip(r.rawPublish, consume)
	r.report.add("raw", "JetStream round trip (publish + consume with ack)", r.rawRound, "msgs/s").Note =
		"1/round = 1/publish + 1/consume: what a message stored and consumed with an ack costs"
	return nil
}

// roundTrip is the rate of a round trip made of two steps measured apart:
// its time per message is the sum of theirs.
func roundTrip(publish, consume float64) float64 {
	if publish <= 0 || consume <= 0 {
		return 0
	}
	return 1 / (1/publish + 1/consume)
}

// consumeAll reads n messages of BENCH_RAW with a pull consumer, acking each.
func consumeAll(ctx context.Context, js jetstream.JetStream, n int) (time.Duration, error) {
	c, err := js.CreateOrUpdateConsumer(ctx, "BENCH_RAW", jetstream.ConsumerConfig{Durable: "bench",
		AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 10000})
	if err != nil {
		return 0, fmt.Errorf("create raw consumer: %w", err)
	}
	var got atomic.Int64
	done := make(chan struct{})
	begin := time.Now()
	cc, err := c.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if got.Add(1) == int64(n) {
			close(done)
		}
	}, jetstream.PullMaxMessages(1000))
	if err != nil {
		return 0, err
	}
	defer cc.Stop()
	select {
	case <-done:
		return time.Since(begin), nil
	case <-time.After(60 * time.Second):
		return 0, fmt.Errorf("consumed %d of %d raw messages in 60s", got.Load(), n)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
