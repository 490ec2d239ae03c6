package order

import (
	"errors"
	"reflect"
	"testing"
)

// TestDecodeOwn: an event without a subject is read with its own order id,
// which is checked as Decode checks the subject's: the same event and the
// same reasons as Decode given that id.
func TestDecodeOwn(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		want   Event
		reason Reason // "" when valid
	}{
		{name: "SPEC example", data: specExample,
			want: Event{EventID: "e-81f2", OrderID: "ORD-001234", CustomerID: "CUST-5678", Type: OrderPlaced,
				ItemName: "Blue Jeans", ItemCategory: "Pants", Quantity: 2, Price: 79.99,
				Timestamp: t0, TenantID: "acme", Arrived: decodeArrived}},
		{name: "escaped order id", data: `{"order_id":"ORD-\u0031","event_type":"ORDER_PLACED"}`,
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "missing order id", data: `{"event_type":"ORDER_PLACED"}`, reason: ReasonMissingOrderID},
		{name: "null order id", data: `{"order_id":null,"event_type":"ORDER_PLACED"}`, reason: ReasonMissingOrderID},
		{name: "empty order id", data: `{"order_id":"","event_type":"ORDER_PLACED"}`, reason: ReasonMissingOrderID},
		{name: "numeric order id", data: `{"order_id":12,"event_type":"ORDER_PLACED"}`, reason: ReasonInvalidOrderID},
		{name: "order id with a dot", data: `{"order_id":"ORD.1","event_type":"ORDER_PLACED"}`, reason: ReasonInvalidOrderID},
		{name: "not an object", data: `[1]`, reason: ReasonInvalidJSON},
		{name: "unknown type", data: `{"order_id":"ORD-1","event_type":"SHIPPED"}`, reason: ReasonUnknownEventType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeOwn([]byte(tt.data), decodeArrived, decodeSkew)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("DecodeOwn: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Reason != tt.reason {
				t.Fatalf("err %v, want reason %s", err, tt.reason)
			}
			id, _ := Peek([]byte(tt.data))
			_, derr := Decode([]byte(tt.data), id, decodeArrived, decodeSkew)
			var dinv *InvalidError
			if !errors.As(derr, &dinv) || dinv.Reason != tt.reason {
				t.Errorf("Decode with the event's own id: %v, want the same reason %s", derr, tt.reason)
			}
		})
	}
}
