package monitor

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// OrdersByStatus counts the orders in the ORDERS bucket by status, with one
// ScanOrders. Values that do not decode are counted under status "invalid".
func OrdersByStatus(ctx context.Context, js jetstream.JetStream) (map[order.Stage]uint64, error) {
	out := map[order.Stage]uint64{}
	err := ScanOrders(ctx, js, func(s order.State, ok bool) {
		if !ok {
			out["invalid"]++
			return
		}
		out[s.Status]++
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScanOrders calls visit with every order stored in the ORDERS bucket (ok
// false for a value that does not decode). It streams the bucket's current
// values once (a KV watch that ignores deletes), so it costs one read of
// every stored order: about a second per few hundred thousand orders, and no
// memory beyond what visit keeps. It stops at the end of the initial values
// or at the first value written after it started, whichever comes first:
// under a steady stream of writes the watch's end-of-initial-values marker
// may not come for a long time.
func ScanOrders(ctx context.Context, js jetstream.JetStream, visit func(s order.State, ok bool)) error {
	kv, err := js.KeyValue(ctx, pipeline.OrdersBucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", pipeline.OrdersBucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", pipeline.OrdersBucket, err)
	}
	last := uint64(0) // last revision when the scan starts; 0: unknown
	if bs, ok := st.(*jetstream.KeyValueBucketStatus); ok {
		last = bs.StreamInfo().State.LastSeq
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("scan bucket %s: %w", pipeline.OrdersBucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return nil // end of the initial values
			}
			s, err := pipeline.DecodeState(e.Value())
			visit(s, err == nil)
			if last > 0 && e.Revision() >= last {
				return nil // every value stored when the scan started was seen
			}
		case <-ctx.Done():
			return fmt.Errorf("scan bucket %s: %w", pipeline.OrdersBucket, ctx.Err())
		}
	}
}

// OpenStages are the statuses of open orders, in lifecycle order.
var OpenStages = []order.Stage{order.StageOrder, order.StageProcessing, order.StageShipped}

// ClosedStages are the final statuses.
var ClosedStages = []order.Stage{order.StageDelivered, order.StageCancelled}
