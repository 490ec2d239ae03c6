package pipelinetest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerAhead replaces the durable consumer cfg.Durable of stream with
// one of the same configuration whose delivered sequence is start-1, past
// the stream's last sequence if start is beyond it: the state a store
// shared by two servers was left in.
func ConsumerAhead(t testing.TB, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig, start uint64) {
	t.Helper()
	ctx := context.Background()
	if err := js.DeleteConsumer(ctx, stream, cfg.Durable); err != nil {
		t.Fatalf("delete consumer %s: %v", cfg.Durable, err)
	}
	cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, start
	if _, err := js.CreateConsumer(ctx, stream, cfg); err != nil {
		t.Fatalf("create consumer %s at %d: %v", cfg.Durable, start, err)
	}
}

// HoldMessages is a stuck instance: it pulls up to n messages from the
// pinned priority group of a durable consumer, becoming its pinned client,
// and never acknowledges them. It returns how many it received.
func HoldMessages(t testing.TB, js jetstream.JetStream, stream, consumer, group string, n int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		t.Fatalf("consumer %s: %v", consumer, err)
	}
	batch, err := c.Fetch(n, jetstream.FetchMaxWait(2*time.Second), jetstream.FetchPriorityGroup(group))
	if err != nil {
		t.Fatalf("fetch from %s: %v", consumer, err)
	}
	got := 0
	for range batch.Messages() {
		got++
	}
	return got
}
