package mapping

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func jsonNumber(s string) json.Number { return json.Number(s) }

// FuzzPrepare: whatever a source sends, Prepare either returns an event
// order.Decode accepts, with an event_id, or an *order.InvalidError with
// one of order's reasons; it never panics. The corpus is in
// testdata/fuzz/FuzzPrepare.
func FuzzPrepare(f *testing.F) {
	f.Add([]byte(`{"order_id":"A-1","event_type":"ORDER_PLACED","timestamp":"2026-01-02T09:00:00Z"}`), false)
	f.Add([]byte(`{"type":"order.created","occurred_at":1767340800,"order":{"id":12345,"total":"9.5"}}`), true)
	mappers := map[bool]*Mapper{false: New(config.Mapping{}), true: New(foreign)}
	f.Fuzz(func(t *testing.T, src []byte, mapped bool) {
		got, err := mappers[mapped].Prepare(src, "kafka:orders:0:1", arrived, skew)
		if err != nil {
			var inv *order.InvalidError
			if !errors.As(err, &inv) || !order.ValidReason(string(inv.Reason)) {
				t.Fatalf("Prepare(%q) error %v is not an order.InvalidError with a known reason", src, err)
			}
			return
		}
		id, _ := order.Peek(got.Data)
		ev, err := order.Decode(got.Data, id, arrived, skew)
		if err != nil || ev != got.Event || ev.EventID == "" || !order.ValidOrderID(ev.OrderID) {
			t.Fatalf("Prepare(%q) = %q, %+v; Decode gives %+v, %v", src, got.Data, got.Event, ev, err)
		}
	})
}
