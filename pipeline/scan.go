package pipeline

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// ScanOrders calls visit with every order stored in the ORDERS bucket (ok
// false for a value that does not decode). It streams the bucket's current
// values once (a KV watch that ignores deletes), so it costs one read of
// every stored order: about a second per few hundred thousand orders, and no
// memory beyond what visit keeps. It stops at the end of the initial values
// or at the first value written after it started, whichever comes first:
// under a steady stream of writes the watch's end-of-initial-values marker
// may not come for a long time.
func ScanOrders(ctx context.Context, js jetstream.JetStream, visit func(s order.State, ok bool)) error {
	st, err := kv.Lookup(ctx, js, OrdersBucket)
	if err != nil {
		return err
	}
	return st.Scan(ctx, func(_ string, value []byte) {
		s, err := DecodeState(value)
		visit(s, err == nil)
	})
}
