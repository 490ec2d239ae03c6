package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestDLQReplayIngestLetters: dead letters of the ingest sources carry no
// source subject. dlq replay maps a Kafka or HTTP record again with the
// ingest.mapping it is given (the fix) and stores the event under the id
// the source derived; one still invalid is kept and said so; a Shopify
// webhook is skipped with what to do instead.
func TestDLQReplayIngestLetters(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real run command")
	}
	t.Parallel()
	args := append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false", "--ingest.http.listen", "127.0.0.1:0")
	s := startMain(t, args...)
	nc, err := nats.Connect(s.info.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	// Over HTTP, line 1 names its order "id" (no mapping yet), line 2 "order_id"
	// with an unknown event type (still invalid under the mapping of the fix).
	body := `{"id":"DLQ-H1","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}` + "\n" +
		`{"order_id":"DLQ-H2","event_type":"ORDER_SHIPPED","timestamp":"2024-01-01T10:00:00Z"}` + "\n"
	if code, answer := postTo(t, "http://"+s.info.IngestAddr+"/v1/events", "application/x-ndjson", body); code != 200 ||
		!strings.HasPrefix(answer, `{"stored":0,"dead_lettered":2,`) {
		t.Fatalf("POST: %d %s", code, answer)
	}
	// A Kafka record and a Shopify webhook, dead-lettered as those sources do.
	kafkaLetter := nats.NewMsg("orders.dlq.missing_order_id")
	kafkaLetter.Data = []byte(`{"id":"DLQ-K1","event_type":"ORDER_PLACED","timestamp":"2024-01-01T11:00:00Z"}`)
	for k, v := range map[string]string{contract.HeaderReason: "missing_order_id", contract.HeaderError: "order_id is required",
		contract.HeaderSource: "kafka", contract.HeaderKafkaTopic: "orders", contract.HeaderKafkaPartition: "3",
		contract.HeaderKafkaOffset: "1200", jetstream.MsgIDHeader: "kafka:orders:3:1200"} {
		kafkaLetter.Header.Set(k, v)
	}
	shopifyLetter := nats.NewMsg("orders.dlq.invalid_json")
	shopifyLetter.Data = []byte(`{"id":`)
	shopifyLetter.Header.Set(contract.HeaderReason, "invalid_json")
	shopifyLetter.Header.Set(contract.HeaderSource, "shopify")
	for _, m := range []*nats.Msg{kafkaLetter, shopifyLetter} {
		if _, err := js.PublishMsg(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	letters := waitLetters(t, s, 4)
	var origins []string
	for _, l := range letters {
		origins = append(origins, l.Source+" "+l.SourceAt)
	}
	if got := strings.Join(origins, ", "); got != "http line 1, http line 2, kafka orders/3@1200, shopify " {
		t.Errorf("letters from %s", got)
	}
	if code, out, _ := cli(t, s, "dlq", "list"); code != 0 || !strings.Contains(out, "kafka orders/3@1200") || !strings.Contains(out, "http line 2") {
		t.Errorf("dlq list (exit %d) lacks the sources:\n%s", code, out)
	}

	code, out, errs := cli(t, s, "dlq", "replay", "--ingest.mapping.order_id", "id")
	seq := func(i int) uint64 { return letters[i].Seq }
	for _, want := range []string{
		fmt.Sprintf("kept %d (http line 2): still invalid under ingest.mapping: missing_order_id: order_id is required; fix the mapping, or fix it at the source and send it again\n", seq(1)),
		fmt.Sprintf("skip %d: a Shopify webhook is not replayed (its topic and shop are not kept); fix the order in Shopify", seq(3)),
		"replayed 2 dead letters, skipped 2\n",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("dlq replay (exit %d, %s) lacks %q:\n%s", code, errs, want, out)
		}
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		h1, k1 := orderUpdates(t, s.info.NATSURL, "DLQ-H1"), orderUpdates(t, s.info.NATSURL, "DLQ-K1")
		if len(h1) != 1 || h1[0] != "ORDER_CONFIRMED ORDER 2024-01-01T10:00:00Z" || len(k1) != 1 || k1[0] != "ORDER_CONFIRMED ORDER 2024-01-01T11:00:00Z" {
			return fmt.Errorf("updates of DLQ-H1 %q, DLQ-K1 %q", h1, k1)
		}
		return nil
	})
	ids := map[string]string{}
	for _, m := range pipelinetest.ReadStream(t, js, contract.EventsStream, jetstream.OrderedConsumerConfig{}) {
		var ev struct {
			OrderID string `json:"order_id"`
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(m.Data(), &ev)
		ids[ev.OrderID] = ev.EventID + " " + m.Headers().Get(jetstream.MsgIDHeader)
	}
	if want := "kafka:orders:3:1200 kafka:orders:3:1200"; ids["DLQ-K1"] != want {
		t.Errorf("DLQ-K1 stored as %q, want event id and Nats-Msg-Id %q", ids["DLQ-K1"], want)
	}
	if id := ids["DLQ-H1"]; !strings.HasPrefix(id, "http:") || strings.Fields(id)[0] != strings.Fields(id)[1] {
		t.Errorf("DLQ-H1 stored as %q, want the http:<sha256> id the source derived", id)
	}
	left := listLetters(t, s)
	if len(left) != 2 || left[0].Seq != seq(1) || left[1].Seq != seq(3) {
		t.Errorf("left in ORDER_DLQ: %+v, want the still invalid line and the Shopify webhook", left)
	}
}
