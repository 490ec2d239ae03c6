package shopify_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/ingest/shopify"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// FuzzMap: any delivery is mapped to a valid event on its shop's order,
// ignored, or refused with an *order.InvalidError; never a panic.
func FuzzMap(f *testing.F) {
	for _, s := range []struct{ topic, file string }{
		{shopify.TopicOrderCreate, "orders_create.json"},
		{shopify.TopicOrderPaid, "orders_paid.json"},
		{shopify.TopicFulfillmentCreate, "fulfillments_create.json"},
		{shopify.TopicFulfillmentUpdate, "fulfillments_update_delivered.json"},
		{shopify.TopicOrderCancelled, "orders_cancelled.json"},
	} {
		f.Add(s.topic, "acme.myshopify.com", "e-1", fixture(f, s.file))
	}
	f.Add(shopify.TopicOrderCreate, "x", "", []byte(`{"id":"1","line_items":[{"quantity":1e3}],"total_price":"1e2"}`))
	f.Fuzz(func(t *testing.T, topic, shop, eventID string, body []byte) {
		w := shopify.Webhook{Topic: topic, ShopDomain: shop, EventID: eventID, Body: body}
		p, ok, err := shopify.Map(w, arrived, time.Minute)
		if err != nil {
			var inv *order.InvalidError
			if !ok || !errors.As(err, &inv) {
				t.Fatalf("error %v (ok %v) is not an *order.InvalidError", err, ok)
			}
			return
		}
		if !ok {
			return
		}
		if !json.Valid(p.Data) || !strings.HasPrefix(p.Event.OrderID, "shopify-") || p.Event.TenantID == "" ||
			!strings.HasPrefix(p.Event.EventID, "shopify:") {
			t.Fatalf("mapped %q to %s (%+v)", body, p.Data, p.Event)
		}
		if _, err := order.Decode(p.Data, p.Event.OrderID, arrived, time.Minute); err != nil {
			t.Fatalf("mapped event %s does not decode: %v", p.Data, err)
		}
	})
}

// FuzzVerify: the signature check never panics and passes only the
// signature of the body.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("hush"), []byte(`{"id":1}`), shopify.Sign([]byte("hush"), []byte(`{"id":1}`)))
	f.Add([]byte("k"), []byte(""), "====")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		if !shopify.Verify(secret, body, header) {
			return
		}
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
		want, _ := base64.StdEncoding.DecodeString(shopify.Sign(secret, body))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("header %q passed for a body it does not sign", header)
		}
	})
}
