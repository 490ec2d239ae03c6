package mapping_test

import (
	"fmt"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
)

// A shop's own JSON, its types mapped and its Unix time read, becomes
// section 3's event; the Kafka coordinates are its event id.
func ExampleMapper_Prepare() {
	m := mapping.New(config.Mapping{
		OrderID: "order.id", EventType: "type", Timestamp: "occurred_at",
		EventTypes: []config.EventTypeValue{{Value: "order.created", EventType: "ORDER_PLACED"}},
	})
	src := []byte(`{"type":"order.created","occurred_at":1767340800,"order":{"id":"A-1"}}`)
	p, err := m.Prepare(src, "kafka:orders:0:42", time.Now(), 5*time.Minute)
	fmt.Println(string(p.Data), err)

	_, err = m.Prepare([]byte(`{"type":"order.refunded","order":{"id":"A-1"}}`), "kafka:orders:0:43", time.Now(), 5*time.Minute)
	fmt.Println(err)
	// Output:
	// {"event_id":"kafka:orders:0:42","order_id":"A-1","event_type":"ORDER_PLACED","timestamp":"2026-01-02T08:00:00Z"} <nil>
	// unknown_event_type: event type value "order.refunded" is not listed in ingest.mapping.event_types
}
