package pipelinetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// ReadStream returns, in stream order, the messages an ordered consumer
// with cfg delivers from stream, up to what was there when called.
func ReadStream(t testing.TB, js jetstream.JetStream, stream string, cfg jetstream.OrderedConsumerConfig) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	// Leave nothing behind: tests count the account's consumers.
	defer func() {
		if info := c.CachedInfo(); info != nil {
			_ = js.DeleteConsumer(ctx, stream, info.Name)
		}
	}()
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	var out []jetstream.Msg
	for left := int(info.NumPending); left > 0; {
		batch, err := c.Fetch(min(left, 1000), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatalf("read %s: %v", stream, err)
		}
		n := 0
		for m := range batch.Messages() {
			out = append(out, m)
			n++
		}
		// An ordered consumer on a cluster may pause while it is reset
		// (a replica caught up, a leader moved): try again until ctx ends.
		if n == 0 && ctx.Err() != nil {
			t.Fatalf("%s: %d messages left unread", stream, left)
		}
		left -= n
	}
	return out
}

// Lifecycle is the event plan of order i of a run: id prefix-0000..., four
// events, the last a cancellation for every tenth order.
func Lifecycle(prefix string, i int) (id string, types []string, final order.Stage) {
	id = fmt.Sprintf("%s-%04d", prefix, i)
	types = []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"}
	final = order.StageDelivered
	if i%10 == 0 {
		types[3], final = "ORDER_CANCELLED", order.StageCancelled
	}
	return id, types, final
}

// LifecycleEvent is the input message of step (0-3) of Lifecycle(prefix,
// i) on subject(order id) (Topology.EventSubject), timestamped ts plus step
// seconds, with its event id as Nats-Msg-Id.
func LifecycleEvent(subject func(orderID string) string, prefix string, i, step int, ts time.Time) *nats.Msg {
	id, types, _ := Lifecycle(prefix, i)
	evID := fmt.Sprintf("%s-e%d", id, step)
	m := nats.NewMsg(subject(id))
	m.Data = fmt.Appendf(nil, `{"event_id":%q,"order_id":%q,"event_type":%q,"timestamp":%q,"item_name":"Blue Jeans","customer_id":"CUST-1"}`,
		evID, id, types[step], ts.Add(time.Duration(step)*time.Second).Format(time.RFC3339Nano))
	m.Header.Set(jetstream.MsgIDHeader, evID)
	return m
}
