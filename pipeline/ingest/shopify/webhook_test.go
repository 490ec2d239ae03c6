package shopify_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/ingest/shopify"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// arrived is after every fixture's times, so that none is in the future.
var arrived = time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMapFixtures: each topic of the table, from payloads shaped as
// Shopify sends them, becomes exactly this event.
func TestMapFixtures(t *testing.T) {
	for _, tt := range []struct {
		topic, file, want string
		at                time.Time
	}{
		{shopify.TopicOrderCreate, "orders_create.json",
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-820982911946154508","customer_id":"115310627314723954","event_type":"ORDER_PLACED","item_name":"IPod Nano - 8GB +1 more","item_category":"Cult Products","quantity":3,"price":403,"timestamp":"2024-01-01T10:00:00-05:00","tenant_id":"acme"}`,
			time.Date(2024, 1, 1, 15, 0, 0, 0, time.UTC)},
		{shopify.TopicOrderPaid, "orders_paid.json",
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-820982911946154508","event_type":"PROCESSING_STARTED","timestamp":"2024-01-01T10:20:00-05:00","tenant_id":"acme"}`,
			time.Date(2024, 1, 1, 15, 20, 0, 0, time.UTC)},
		{shopify.TopicFulfillmentCreate, "fulfillments_create.json",
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-820982911946154508","event_type":"ITEM_SHIPPED","timestamp":"2024-01-01T12:30:00-05:00","tenant_id":"acme"}`,
			time.Date(2024, 1, 1, 17, 30, 0, 0, time.UTC)},
		{shopify.TopicFulfillmentUpdate, "fulfillments_update_delivered.json",
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-820982911946154508","event_type":"ITEM_DELIVERED","timestamp":"2024-01-03T09:15:00-05:00","tenant_id":"acme"}`,
			time.Date(2024, 1, 3, 14, 15, 0, 0, time.UTC)},
		{shopify.TopicOrderCancelled, "orders_cancelled.json",
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-820982911946154508","event_type":"ORDER_CANCELLED","timestamp":"2024-01-01T11:00:00-05:00","tenant_id":"acme"}`,
			time.Date(2024, 1, 1, 16, 0, 0, 0, time.UTC)},
	} {
		w := shopify.Webhook{Topic: tt.topic, ShopDomain: "acme.myshopify.com", EventID: "e-1", Body: fixture(t, tt.file)}
		p, ok, err := shopify.Map(w, arrived, time.Minute)
		if err != nil || !ok {
			t.Fatalf("%s: ok %v err %v", tt.topic, ok, err)
		}
		if string(p.Data) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.topic, p.Data, tt.want)
		}
		if !p.Event.Timestamp.Equal(tt.at) || p.Event.EventID != "shopify:e-1" || p.Event.OrderID != "shopify-acme-820982911946154508" {
			t.Errorf("%s: event %s %s at %s, want at %s", tt.topic, p.Event.OrderID, p.Event.EventID, p.Event.Timestamp, tt.at)
		}
	}
}

// TestMapIgnored: topics that are not an order's step, and a fulfillment
// update that is not a delivery, make no event and no error.
func TestMapIgnored(t *testing.T) {
	for _, tt := range []struct{ topic, file string }{
		{"products/update", "orders_create.json"},
		{"orders/updated", "orders_paid.json"},
		{"", "orders_paid.json"},
		{shopify.TopicFulfillmentUpdate, "fulfillments_update_in_transit.json"},
	} {
		w := shopify.Webhook{Topic: tt.topic, ShopDomain: "acme.myshopify.com", EventID: "e-1", Body: fixture(t, tt.file)}
		if p, ok, err := shopify.Map(w, arrived, time.Minute); ok || err != nil || p.Data != nil {
			t.Errorf("%q %s: ok %v err %v data %s, want ignored", tt.topic, tt.file, ok, err, p.Data)
		}
	}
}

// TestMapInvalid: a payload that makes no valid event fails with the
// pipeline's reason.
func TestMapInvalid(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = '9'
	}
	for _, tt := range []struct {
		name, topic, shop, body string
		want                    order.Reason
	}{
		{"not json", shopify.TopicOrderPaid, "acme.myshopify.com", `{"id":`, order.ReasonInvalidJSON},
		{"an array", shopify.TopicOrderPaid, "acme.myshopify.com", `[1]`, order.ReasonInvalidJSON},
		{"no id", shopify.TopicOrderPaid, "acme.myshopify.com", `{"updated_at":"2024-01-01T10:00:00Z"}`, order.ReasonMissingOrderID},
		{"fulfillment without order_id", shopify.TopicFulfillmentCreate, "acme.myshopify.com", `{"id":5,"created_at":"2024-01-01T10:00:00Z"}`, order.ReasonMissingOrderID},
		{"no shop", shopify.TopicOrderPaid, "", `{"id":1,"updated_at":"2024-01-01T10:00:00Z"}`, order.ReasonMissingOrderID},
		{"id with a dot", shopify.TopicOrderPaid, "acme.myshopify.com", `{"id":1.5,"updated_at":"2024-01-01T10:00:00Z"}`, order.ReasonMissingOrderID},
		{"shop with a space", shopify.TopicOrderPaid, "ac me.myshopify.com", `{"id":1,"updated_at":"2024-01-01T10:00:00Z"}`, order.ReasonInvalidOrderID},
		{"id too long", shopify.TopicOrderPaid, "acme.myshopify.com", `{"id":` + string(long) + `}`, order.ReasonInvalidOrderID},
		{"bad time", shopify.TopicOrderPaid, "acme.myshopify.com", `{"id":1,"updated_at":"yesterday"}`, order.ReasonInvalidTimestamp},
		{"future time", shopify.TopicOrderPaid, "acme.myshopify.com", `{"id":1,"updated_at":"2030-01-01T10:00:00Z"}`, order.ReasonFutureTimestamp},
		{"bad price", shopify.TopicOrderCreate, "acme.myshopify.com", `{"id":1,"created_at":"2024-01-01T10:00:00Z","total_price":"lots"}`, order.ReasonInvalidField},
	} {
		w := shopify.Webhook{Topic: tt.topic, ShopDomain: tt.shop, EventID: "e-1", Body: []byte(tt.body)}
		_, ok, err := shopify.Map(w, arrived, time.Minute)
		var inv *order.InvalidError
		if !ok || !errors.As(err, &inv) || inv.Reason != tt.want {
			t.Errorf("%s: ok %v err %v, want %s", tt.name, ok, err, tt.want)
		}
	}
}

// TestMapPlacedFields: the first line item names the order, the rest are
// counted; a long title is cut to fit; an id given as text is kept.
func TestMapPlacedFields(t *testing.T) {
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	for _, tt := range []struct{ name, body, want string }{
		{"one item",
			`{"id":"7","created_at":"2024-01-01T10:00:00Z","line_items":[{"title":"Jeans","product_type":"Pants","quantity":2}],"total_price":"79.99"}`,
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-7","event_type":"ORDER_PLACED","item_name":"Jeans","item_category":"Pants","quantity":2,"price":79.99,"timestamp":"2024-01-01T10:00:00Z","tenant_id":"acme"}`},
		{"no items, no customer",
			`{"id":7,"created_at":"2024-01-01T10:00:00Z"}`,
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-7","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z","tenant_id":"acme"}`},
		{"long title",
			`{"id":7,"created_at":"2024-01-01T10:00:00Z","line_items":[{"title":"` + string(long) + `","quantity":1},{"title":"b","quantity":1}]}`,
			`{"event_id":"shopify:e-1","order_id":"shopify-acme-7","event_type":"ORDER_PLACED","item_name":"` + string(long[:248]) + ` +1 more","quantity":2,"timestamp":"2024-01-01T10:00:00Z","tenant_id":"acme"}`},
	} {
		w := shopify.Webhook{Topic: shopify.TopicOrderCreate, ShopDomain: "ACME.myshopify.com", EventID: "e-1", Body: []byte(tt.body)}
		p, ok, err := shopify.Map(w, arrived, time.Minute)
		if err != nil || !ok || string(p.Data) != tt.want {
			t.Errorf("%s: ok %v err %v\n got %s\nwant %s", tt.name, ok, err, p.Data, tt.want)
		}
	}
}

// TestEventIDWithoutHeader: without X-Shopify-Event-Id the id is derived
// from the delivery, the same for a redelivery and different for another
// body.
func TestEventIDWithoutHeader(t *testing.T) {
	w := shopify.Webhook{Topic: shopify.TopicOrderPaid, ShopDomain: "acme.myshopify.com", Body: []byte(`{"id":1}`)}
	a, b := shopify.EventID(w), shopify.EventID(w)
	w.Body = []byte(`{"id":2}`)
	c := shopify.EventID(w)
	if a != b || a == c || len(a) != len("shopify:sha256:")+64 {
		t.Errorf("ids %q %q %q: want the first two equal, the third different", a, b, c)
	}
}

// TestVerify: the signature Shopify computes passes; another key, body or
// a malformed header does not.
func TestVerify(t *testing.T) {
	secret, body := []byte("hush"), []byte(`{"id":1}`)
	sig := shopify.Sign(secret, body)
	for _, tt := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"signed", secret, body, sig, true},
		{"padded header", secret, body, " " + sig + " ", true},
		{"other secret", []byte("other"), body, sig, false},
		{"other body", secret, []byte(`{"id":2}`), sig, false},
		{"no header", secret, body, "", false},
		{"not base64", secret, body, "!!!", false},
		{"short", secret, body, sig[:20], false},
		{"no secret", nil, body, shopify.Sign(nil, body), false},
	} {
		if got := shopify.Verify(tt.secret, tt.body, tt.header); got != tt.want {
			t.Errorf("%s: Verify = %v, want %v", tt.name, got, tt.want)
		}
	}
}
