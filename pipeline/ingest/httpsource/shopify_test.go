package httpsource_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/ingest/shopify"
)

// postShopify delivers a webhook as Shopify does, signed with secret.
func (k *kit) postShopify(secret, topic, eventID string, body []byte) (int, string) {
	k.t.Helper()
	code, answer, _ := k.post(k.url, httpsource.PathShopify, "application/json", string(body),
		"X-Shopify-Topic", topic, "X-Shopify-Shop-Domain", "acme.myshopify.com", "X-Shopify-Event-Id", eventID,
		"X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "X-Shopify-Api-Version", "2024-07",
		"X-Shopify-Hmac-Sha256", shopify.Sign([]byte(secret), body))
	return code, answer
}

func shopifyFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "shopify", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShopifyWebhook: a signed orders/create is stored once even when
// delivered twice; a wrong signature is 401; an unrelated topic is 200 and
// counted ignored; a payload without an order is dead-lettered.
func TestShopifyWebhook(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	body := shopifyFixture(t, "orders_create.json")
	for range 2 {
		if code, answer := k.postShopify(shopSecret, "orders/create", "evt-1", body); code != 200 ||
			answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
			t.Fatalf("orders/create: %d %s", code, answer)
		}
	}
	if code, answer := k.postShopify("not the secret", "orders/create", "evt-2", body); code != 401 {
		t.Errorf("wrong signature: %d %s", code, answer)
	}
	if code, answer := k.postShopify(shopSecret, "products/update", "evt-3", []byte(`{"id":1}`)); code != 200 ||
		answer != `{"stored":0,"dead_lettered":0,"ignored":1,"errors":[]}` {
		t.Errorf("products/update: %d %s", code, answer)
	}
	if code, answer := k.postShopify(shopSecret, "orders/paid", "evt-4", []byte(`{"updated_at":"2024-01-01T10:00:00Z"}`)); code != 200 ||
		answer != `{"stored":0,"dead_lettered":1,"errors":[{"line":1,"reason":"missing_order_id","error":"the orders/paid payload has no id (a number)"}]}` {
		t.Errorf("orders/paid without id: %d %s", code, answer)
	}
	msgs := k.read(contract.EventsStream)
	want := `{"event_id":"shopify:evt-1","order_id":"shopify-acme-820982911946154508","customer_id":"115310627314723954","event_type":"ORDER_PLACED","item_name":"IPod Nano - 8GB +1 more","item_category":"Cult Products","quantity":3,"price":403,"timestamp":"2024-01-01T10:00:00-05:00","tenant_id":"acme"}`
	if len(msgs) != 1 || string(msgs[0].Data()) != want || msgs[0].Headers().Get(jetstream.MsgIDHeader) != "shopify:evt-1" {
		t.Errorf("ORDER_EVENTS holds %q, want once %s", datas(msgs), want)
	}
	dlq := k.read(contract.DLQStream)
	if len(dlq) != 1 || dlq[0].Headers().Get(contract.HeaderSource) != "shopify" || dlq[0].Headers().Get(contract.HeaderReason) != "missing_order_id" ||
		string(dlq[0].Data()) != `{"updated_at":"2024-01-01T10:00:00Z"}` {
		t.Errorf("ORDER_DLQ holds %q, want the orders/paid payload", datas(dlq))
	}
	for _, c := range []struct {
		result string
		want   float64
	}{{"stored", 2}, {"ignored", 1}, {"dead_lettered", 1}} {
		if n := k.records("shopify", c.result); n != c.want {
			t.Errorf("shopify records %s = %v, want %v", c.result, n, c.want)
		}
	}
	if n := k.requests(k.src, "shopify", "401"); n != 1 {
		t.Errorf("shopify 401s = %v, want 1", n)
	}
}

// TestShopifyOff: without ingest.http.shopify.secret there is no Shopify
// endpoint.
func TestShopifyOff(t *testing.T) {
	t.Parallel()
	k := setup(t, func(h *config.HTTPIngest) { h.Shopify.Secret = "" })
	if code, _ := k.postShopify("", "orders/create", "evt-1", []byte(`{"id":1}`)); code != http.StatusNotFound {
		t.Errorf("Shopify endpoint answered %d, want 404", code)
	}
}
