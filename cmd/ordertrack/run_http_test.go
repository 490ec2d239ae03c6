package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/shopify"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// postTo posts body to url with the headers (name, value pairs) and
// returns the status and the answer.
func postTo(t *testing.T, url, contentType, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: pipelinetest.WaitTimeout()}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// orderUpdates reads ORDER_UPDATES and returns the updates of one order,
// as "event_type status event_time" lines, breaches left out.
func orderUpdates(t *testing.T, url, id string) []string {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	var out []string
	for _, m := range pipelinetest.ReadStream(t, js, contract.UpdatesStream, jetstream.OrderedConsumerConfig{}) {
		var u struct {
			OrderID   string `json:"order_id"`
			EventType string `json:"event_type"`
			Status    string `json:"status"`
			Breach    bool   `json:"sla_breach"`
			EventTime string `json:"event_time"`
		}
		if err := json.Unmarshal(m.Data(), &u); err != nil {
			t.Fatal(err)
		}
		if u.OrderID == id && !u.Breach {
			out = append(out, u.EventType+" "+u.Status+" "+u.EventTime)
		}
	}
	return out
}

// TestRunShopifyToDelivered: the real run with the HTTP source takes a
// Shopify store's webhooks (payloads as Shopify sends them) through to
// DELIVERED with the events' own times: a split shipment ships at its
// first fulfillment, an in-transit update is ignored, and a redelivered
// webhook changes nothing.
func TestRunShopifyToDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real run command")
	}
	t.Parallel()
	const secret = "shpss_for_tests"
	s := startMain(t, "run", "--nats.embedded.listen", "127.0.0.1:0", "--nats.embedded.store_dir", t.TempDir(),
		"--generator.enabled", "false", "--monitor.listen", "", "--streaming.partitions", "2",
		"--ingest.http.listen", "127.0.0.1:0", "--ingest.http.shopify.secret", secret)
	if s.info.IngestAddr == "" {
		t.Fatal("RunInfo has no ingest address")
	}
	waitOutput(t, s.out, pipelinetest.WaitTimeout(), "HTTP ingest: POST http://"+s.info.IngestAddr+"/v1/events, /v1/webhooks/shopify")
	deliver := func(topic, eventID, file string, edit ...string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", "pipeline", "ingest", "shopify", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		body := strings.NewReplacer(edit...).Replace(string(b))
		code, answer := postTo(t, "http://"+s.info.IngestAddr+"/v1/webhooks/shopify", "application/json", body,
			"X-Shopify-Topic", topic, "X-Shopify-Shop-Domain", "acme.myshopify.com", "X-Shopify-Event-Id", eventID,
			"X-Shopify-Hmac-Sha256", shopify.Sign([]byte(secret), []byte(body)))
		if code != 200 {
			t.Fatalf("%s %s: %d %s", topic, eventID, code, answer)
		}
	}
	deliver("orders/create", "ev-1", "orders_create.json")
	deliver("orders/paid", "ev-2", "orders_paid.json")
	deliver("fulfillments/create", "ev-3", "fulfillments_create.json")
	deliver("fulfillments/create", "ev-4", "fulfillments_create.json", `"id": 123456,`, `"id": 123457,`,
		"2024-01-01T12:30:00-05:00", "2024-01-02T08:00:00-05:00")
	deliver("fulfillments/update", "ev-5", "fulfillments_update_in_transit.json")
	deliver("fulfillments/update", "ev-6", "fulfillments_update_delivered.json")
	deliver("orders/create", "ev-1", "orders_create.json") // a redelivery

	const id = "shopify-acme-820982911946154508"
	want := []string{
		"ORDER_CONFIRMED ORDER 2024-01-01T15:00:00Z",
		"PROCESSING_STARTED PROCESSING 2024-01-01T15:20:00Z",
		"ITEM_SHIPPED SHIPPED 2024-01-01T17:30:00Z",
		"ITEM_DELIVERED DELIVERED 2024-01-03T14:15:00Z",
	}
	var got []string
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if got = orderUpdates(t, s.info.NATSURL, id); len(got) < len(want) {
			return fmt.Errorf("updates of %s so far: %q", id, got)
		}
		return nil
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("updates of %s:\n%s\nwant\n%s", id, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRunTakesEventsOverHTTP: with the demo running, an event POSTed to
// /v1/events (as the README's curl does) is answered once stored and its
// update follows.
func TestRunTakesEventsOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real run command")
	}
	t.Parallel()
	s := startMain(t, append(runArgs(t.TempDir()), "--ingest.http.listen", "127.0.0.1:0")...)
	event := `{"order_id":"ORD-CURL-1","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z","tenant_id":"acme"}`
	code, answer := postTo(t, "http://"+s.info.IngestAddr+"/v1/events", "application/json", event)
	if code != 200 || answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
		t.Fatalf("POST /v1/events: %d %s", code, answer)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if got := orderUpdates(t, s.info.NATSURL, "ORD-CURL-1"); len(got) == 0 || got[0] != "ORDER_CONFIRMED ORDER 2024-01-01T10:00:00Z" {
			return fmt.Errorf("updates of ORD-CURL-1: %q", got)
		}
		return nil
	})
	code, answer = postTo(t, "http://"+s.info.IngestAddr+"/v1/events", "application/x-ndjson", `{"order_id":"ORD-CURL-2"}`)
	if code != 200 || !strings.HasPrefix(answer, `{"stored":0,"dead_lettered":1,`) {
		t.Fatalf("POST a bad line: %d %s", code, answer)
	}
	want := `{"dead_lettered":1,"listen":"` + s.info.IngestAddr + `","requests":2,"source":"http","state":"running","stored":1}`
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		return ingestStatus(t, s.info.NATSURL, want)
	})
	if code, out, _ := runCommand(t, "status", "--interval", "100ms", "--nats.url", s.info.NATSURL, "--streaming.partitions", "4"); code != 0 ||
		!strings.Contains(out, "Ingest:     1 sources\n  http on ") ||
		!strings.Contains(out, "listening on "+s.info.IngestAddr+", 2 requests; stored 1, dead-lettered 1\n") {
		t.Errorf("status: exit %d:\n%s", code, out)
	}
}

// ingestStatus checks that status --json lists one ingest source, whose
// fields but instance and since are want (JSON with sorted keys).
func ingestStatus(t *testing.T, url, want string) error {
	t.Helper()
	code, out, errs := runCommand(t, "status", "--json", "--interval", "100ms", "--nats.url", url, "--streaming.partitions", "4")
	var st struct {
		Ingest []map[string]any `json:"ingest"`
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		return fmt.Errorf("status --json: exit %d, %v: %s%s", code, err, out, errs)
	}
	if len(st.Ingest) != 1 {
		return fmt.Errorf("ingest %v, want one source", st.Ingest)
	}
	src := st.Ingest[0]
	if src["instance"] == "" || src["since"] == nil {
		return fmt.Errorf("ingest %v: no instance or since", src)
	}
	delete(src, "instance")
	delete(src, "since")
	got, _ := json.Marshal(src) // map keys sorted
	if string(got) != want {
		return fmt.Errorf("ingest source %s, want %s", got, want)
	}
	return nil
}

// TestRunRefusesOpenIngest: an ingest listener reachable from other
// machines without a token or secret fails at start, naming the key.
func TestRunRefusesOpenIngest(t *testing.T) {
	t.Parallel()
	code, _, errs := runCommand(t, "run", "--nats.embedded.store_dir", t.TempDir(), "--ingest.http.listen", "0.0.0.0:0")
	if code == 0 || !strings.Contains(errs, "ingest.http.listen") {
		t.Errorf("exit %d, stderr %q: want a failure naming ingest.http.listen", code, errs)
	}
}
