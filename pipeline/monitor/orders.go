package monitor

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// OrdersByStatus counts the orders in the ORDERS bucket by status. It
// streams the bucket's current values once (a KV watch that ignores deletes
// and stops after the initial values), so it costs one read of every stored
// order: about a second per few hundred thousand orders, little memory.
// Values that do not decode are counted under status "invalid".
func OrdersByStatus(ctx context.Context, js jetstream.JetStream) (map[order.Stage]uint64, error) {
	kv, err := js.KeyValue(ctx, pipeline.OrdersBucket)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", pipeline.OrdersBucket, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("scan bucket %s: %w", pipeline.OrdersBucket, err)
	}
	defer func() { _ = w.Stop() }()
	out := map[order.Stage]uint64{}
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return out, nil
			}
			if e == nil {
				return out, nil // end of the initial values
			}
			s, err := pipeline.DecodeState(e.Value())
			if err != nil {
				out["invalid"]++
				continue
			}
			out[s.Status]++
		case <-ctx.Done():
			return nil, fmt.Errorf("scan bucket %s: %w", pipeline.OrdersBucket, ctx.Err())
		}
	}
}

// OpenStages are the statuses of open orders, in lifecycle order.
var OpenStages = []order.Stage{order.StageOrder, order.StageProcessing, order.StageShipped}

// ClosedStages are the final statuses.
var ClosedStages = []order.Stage{order.StageDelivered, order.StageCancelled}
