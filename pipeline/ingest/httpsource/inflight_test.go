package httpsource_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestInFlightCap: with MaxInFlight requests waiting for their PubAcks,
// the next request is answered 503 with Retry-After at once; once one of
// them is answered, a request is taken again.
//
// The source publishes on subjects no stream stores, where a plain
// subscriber receives each event (the request is then in flight, past the
// cap) and holds its PubAck until the test answers it.
func TestInFlightCap(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	const limit = 2
	held := make(chan *nats.Msg, limit+2)
	sub, err := k.nats.Conn.ChanSubscribe("held.events.*", held)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	src, url := k.start(func(o *httpsource.Options) {
		o.MaxInFlight = limit
		o.Topology = contract.Topology{Prefix: "held", Partitions: 2}
		o.StoreTimeout = pipelinetest.WaitTimeout()
	})
	post := func(order string) (int, string, http.Header) {
		event := fmt.Sprintf(`{"order_id":%q,"event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`, order)
		return k.post(url, httpsource.PathEvents, httpsource.TypeJSON, event, "Authorization", "Bearer "+testToken)
	}
	type result struct {
		code   int
		answer string
	}
	answers := make(chan result, limit+1)
	for i := range limit {
		go func() {
			code, answer, _ := post(fmt.Sprintf("ORD-HELD-%d", i))
			answers <- result{code, answer}
		}()
	}
	var pending []*nats.Msg
	for range limit {
		pending = append(pending, receive(t, held))
	}

	code, answer, h := post("ORD-OVER")
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") != httpsource.RetryAfter ||
		answer != `{"error":"too many requests in flight; retry"}` {
		t.Fatalf("beyond %d in flight: %d %s Retry-After %q, want 503 with Retry-After %s", limit, code, answer, h.Get("Retry-After"), httpsource.RetryAfter)
	}
	if len(held) != 0 {
		t.Fatalf("the request beyond the cap published %q", (<-held).Subject)
	}

	ack(t, pending[0], 1)
	if r := <-answers; r.code != 200 || r.answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
		t.Fatalf("first held request: %d %s", r.code, r.answer)
	}
	go func() {
		code, answer, _ := post("ORD-AFTER")
		answers <- result{code, answer}
	}()
	ack(t, receive(t, held), 2)
	ack(t, pending[1], 3)
	for range 2 {
		if r := <-answers; r.code != 200 || r.answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
			t.Errorf("a request within the cap: %d %s", r.code, r.answer)
		}
	}
	if n := k.requests(src, "events", "503"); n != 1 {
		t.Errorf("requests 503 = %v, want 1", n)
	}
	if n := k.requests(src, "events", "200"); n != 3 {
		t.Errorf("requests 200 = %v, want 3", n)
	}
}

// receive returns the next held event, failing after WaitTimeout.
func receive(t *testing.T, held <-chan *nats.Msg) *nats.Msg {
	t.Helper()
	select {
	case m := <-held:
		return m
	case <-time.After(pipelinetest.WaitTimeout()):
		t.Fatal("no event published within the wait timeout")
		return nil
	}
}

// ack answers a held event's publish as JetStream would have stored it
// at seq.
func ack(t *testing.T, m *nats.Msg, seq int) {
	t.Helper()
	if err := m.Respond(fmt.Appendf(nil, `{"stream":"HELD","seq":%d}`, seq)); err != nil {
		t.Fatal(err)
	}
}
