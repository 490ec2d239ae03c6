package mapping

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

var arrived = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

const skew = 5 * time.Minute

// foreign is the mapping of a shop's own shape: the order id nested, its
// own type values, the time as Unix seconds or milliseconds.
var foreign = config.Mapping{
	OrderID: "order.id", EventType: "type", Timestamp: "occurred_at", EventID: "id",
	CustomerID: "order.customer.id", TenantID: "shop", ItemName: "order.item.title",
	Quantity: "order.item.qty", Price: "order.total",
	EventTypes: []config.EventTypeValue{
		{Value: "order.created", EventType: "ORDER_PLACED"},
		{Value: "order.shipped", EventType: "ITEM_SHIPPED"},
		{Value: "7", EventType: "ITEM_DELIVERED"},
	},
}

func TestPrepare(t *testing.T) {
	big := `{"order_id":"A1","event_type":"ORDER_PLACED","item_name":"` + strings.Repeat("x", order.MaxEventBytes) + `"}`
	tests := []struct {
		name    string
		mapping config.Mapping
		src     string
		want    string       // Data; "" with reason set
		same    bool         // Data is src itself
		reason  order.Reason // the dead-letter reason; "" = valid
	}{
		{name: "unmapped with its own event_id is stored as it is",
			src:  `{"event_id":"e-1","order_id":"ORD-1","event_type":"ORDER_PLACED","timestamp":"2026-01-02T09:00:00Z","x":{"y":1}}`,
			want: `{"event_id":"e-1","order_id":"ORD-1","event_type":"ORDER_PLACED","timestamp":"2026-01-02T09:00:00Z","x":{"y":1}}`, same: true},
		{name: "unmapped without event_id gets the derived one",
			src:  `{"order_id":"ORD-1","event_type":"ITEM_SHIPPED","quantity":2,"price":79.99,"timestamp":"2026-01-02T09:00:00.5Z"}`,
			want: `{"event_id":"kafka:orders:3:17","order_id":"ORD-1","event_type":"ITEM_SHIPPED","quantity":2,"price":79.99,"timestamp":"2026-01-02T09:00:00.5Z"}`},
		{name: "unmapped with an empty event_id gets the derived one",
			src:  `{"event_id":"","order_id":"ORD-1","event_type":"ORDER_PLACED"}`,
			want: `{"event_id":"kafka:orders:3:17","order_id":"ORD-1","event_type":"ORDER_PLACED"}`},
		{name: "unmapped, invalid JSON", src: `{"order_id":"ORD-1",`, reason: order.ReasonInvalidJSON},
		{name: "unmapped, no order_id", src: `{"event_type":"ORDER_PLACED"}`, reason: order.ReasonMissingOrderID},
		{name: "unmapped, unknown type", src: `{"order_id":"A","event_type":"order.created"}`, reason: order.ReasonUnknownEventType},
		{name: "unmapped, too large", src: big, reason: order.ReasonTooLarge},
		{name: "foreign shape, Unix seconds, numeric ids, price as text", mapping: foreign,
			src:  `{"id":"evt_9","type":"order.created","occurred_at":1767340800,"shop":"acme","order":{"id":12345,"customer":{"id":77},"item":{"title":"Blue <Jeans> & co","qty":2},"total":"79.90"}}`,
			want: `{"event_id":"evt_9","order_id":"12345","customer_id":"77","event_type":"ORDER_PLACED","item_name":"Blue <Jeans> & co","quantity":2,"price":79.9,"timestamp":"2026-01-02T08:00:00Z","tenant_id":"acme"}`},
		{name: "foreign shape, Unix milliseconds, no event id", mapping: foreign,
			src:  `{"type":"order.shipped","occurred_at":1767340800250,"order":{"id":"A-1"}}`,
			want: `{"event_id":"kafka:orders:3:17","order_id":"A-1","event_type":"ITEM_SHIPPED","timestamp":"2026-01-02T08:00:00.25Z"}`},
		{name: "foreign shape, fractional seconds, a numeric type value", mapping: foreign,
			src:  `{"type":7,"occurred_at":1767340800.5,"order":{"id":"A-1"}}`,
			want: `{"event_id":"kafka:orders:3:17","order_id":"A-1","event_type":"ITEM_DELIVERED","timestamp":"2026-01-02T08:00:00.5Z"}`},
		{name: "foreign shape, RFC 3339 timestamp", mapping: foreign,
			src:  `{"type":"order.created","occurred_at":"2026-01-02T09:00:00+01:00","order":{"id":"A-1"}}`,
			want: `{"event_id":"kafka:orders:3:17","order_id":"A-1","event_type":"ORDER_PLACED","timestamp":"2026-01-02T09:00:00+01:00"}`},
		{name: "foreign shape, type value not listed", mapping: foreign,
			src: `{"type":"order.refunded","order":{"id":"A-1"}}`, reason: order.ReasonUnknownEventType},
		{name: "foreign shape, type an object", mapping: foreign,
			src: `{"type":{"v":1},"order":{"id":"A-1"}}`, reason: order.ReasonUnknownEventType},
		{name: "foreign shape, order id missing", mapping: foreign,
			src: `{"type":"order.created","order":{"number":"A-1"}}`, reason: order.ReasonMissingOrderID},
		{name: "foreign shape, order path through a string", mapping: foreign,
			src: `{"type":"order.created","order":"A-1"}`, reason: order.ReasonMissingOrderID},
		{name: "foreign shape, order id with a space", mapping: foreign,
			src: `{"type":"order.created","order":{"id":"A 1"}}`, reason: order.ReasonInvalidOrderID},
		{name: "foreign shape, negative Unix time", mapping: foreign,
			src: `{"type":"order.created","occurred_at":-5,"order":{"id":"A-1"}}`, reason: order.ReasonInvalidTimestamp},
		{name: "foreign shape, timestamp a boolean", mapping: foreign,
			src: `{"type":"order.created","occurred_at":true,"order":{"id":"A-1"}}`, reason: order.ReasonInvalidTimestamp},
		{name: "foreign shape, timestamp in the future", mapping: foreign,
			src: `{"type":"order.created","occurred_at":1767420000,"order":{"id":"A-1"}}`, reason: order.ReasonFutureTimestamp},
		{name: "foreign shape, quantity not whole", mapping: foreign,
			src: `{"type":"order.created","order":{"id":"A-1","item":{"qty":"2.5"}}}`, reason: order.ReasonInvalidField},
		{name: "foreign shape, price not a number", mapping: foreign,
			src: `{"type":"order.created","order":{"id":"A-1","total":"cheap"}}`, reason: order.ReasonInvalidField},
		{name: "foreign shape, not an object", mapping: foreign, src: `[1,2]`, reason: order.ReasonInvalidJSON},
		{name: "foreign shape, null", mapping: foreign, src: `null`, reason: order.ReasonInvalidJSON},
		{name: "foreign shape, data after the object", mapping: foreign,
			src: `{"type":"order.created","order":{"id":"A-1"}} {}`, reason: order.ReasonInvalidJSON},
		{name: "foreign shape, too large", mapping: foreign, src: big, reason: order.ReasonTooLarge},
		{name: "only event_type mapped: other fields keep their names",
			mapping: config.Mapping{EventType: "kind"},
			src:     `{"event_id":"e-2","order_id":"B-2","kind":"PROCESSING_STARTED","service_level":"express","event_type":"ignored"}`,
			want:    `{"event_id":"e-2","order_id":"B-2","event_type":"PROCESSING_STARTED","service_level":"express"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			got, err := New(tt.mapping).Prepare(src, "kafka:orders:3:17", arrived, skew)
			if tt.reason != "" {
				var inv *order.InvalidError
				if !errors.As(err, &inv) || inv.Reason != tt.reason {
					t.Fatalf("Prepare = %s, %v; want reason %s", got.Data, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if string(got.Data) != tt.want {
				t.Errorf("Data =\n%s\nwant\n%s", got.Data, tt.want)
			}
			if tt.same && &got.Data[0] != &src[0] {
				t.Errorf("Data is not the source's bytes")
			}
			id, _ := order.Peek(got.Data)
			ev, err := order.Decode(got.Data, id, arrived, skew)
			if err != nil || ev != got.Event || ev.EventID == "" {
				t.Errorf("Event = %+v; order.Decode of Data = %+v, %v", got.Event, ev, err)
			}
		})
	}
}

// TestMapUnsetIsIdentity: without a mapping Map hands the source's bytes
// back untouched, valid or not (order.Decode judges them).
func TestMapUnsetIsIdentity(t *testing.T) {
	x := New(config.Mapping{})
	if x.Set() {
		t.Fatal("Set() = true for an empty mapping")
	}
	for _, src := range []string{`{"order_id":"A"}`, `not json`, ``} {
		b := []byte(src)
		got, err := x.Map(b, "kafka:t:0:1")
		if err != nil || string(got) != src {
			t.Errorf("Map(%q) = %q, %v; want it unchanged", src, got, err)
		}
	}
}

func TestUnixTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "1970-01-01T00:00:00Z"},
		{"99999999999", "5138-11-16T09:46:39Z"},  // the last second read as seconds
		{"100000000000", "1973-03-03T09:46:40Z"}, // the first read as milliseconds
		{"1767340800123", "2026-01-02T08:00:00.123Z"},
		{"1767340800.25", "2026-01-02T08:00:00.25Z"},
	}
	for _, tt := range tests {
		got, err := unixTime(jsonNumber(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("unixTime(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"-1", "1e20", "253402300800000"} {
		if got, err := unixTime(jsonNumber(bad)); err == nil {
			t.Errorf("unixTime(%s) = %q; want invalid_timestamp", bad, got)
		}
	}
}
