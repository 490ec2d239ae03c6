package monitor

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// OrdersByStatus counts the orders in the ORDERS bucket by status, with one
// ScanOrders. Values that do not decode are counted under status "invalid".
func OrdersByStatus(ctx context.Context, js jetstream.JetStream) (map[order.Stage]uint64, error) {
	out := map[order.Stage]uint64{}
	err := pipeline.ScanOrders(ctx, js, func(s order.State, ok bool) {
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
