package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func TestRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, func(_ *http.Request, n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	run := k.notifier(hook("flaky", rc.srv.URL))
	k.waitConsumer("flaky")
	id := k.alert("ORD-R1", "processing", "SLA_BREACH", "acme")
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := len(rc.requests()); n < 3 {
			return fmt.Errorf("%d of 3 attempts", n)
		}
		return nil
	})
	got := rc.requests()
	for i, r := range got[:3] {
		if attempt(r) != i+1 || r.header.Get(notify.HeaderDelivery) != id {
			t.Errorf("request %d: attempt %q delivery %q, want %d %s", i, r.header.Get(notify.HeaderAttempt), r.header.Get(notify.HeaderDelivery), i+1, id)
		}
	}
	// Backoff 20ms, then 40ms.
	if gap := got[2].at.Sub(got[1].at); gap < 40*time.Millisecond {
		t.Errorf("second retry after %v, want >= 40ms", gap)
	}
	waitAcked(t, k, "flaky")
	if n := len(rc.requests()); n != 3 {
		t.Errorf("%d requests, want exactly 3", n)
	}
	checkCounter(t, run.met, "flaky", notify.ResultRetried, 2)
	checkCounter(t, run.met, "flaky", notify.ResultDelivered, 1)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, nil)
	rc.answer = func(r *http.Request, n int) int {
		if n == 1 {
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	}
	rc.srv.Config.Handler = retryAfter(rc.srv.Config.Handler)
	k.notifier(hook("limited", rc.srv.URL))
	k.waitConsumer("limited")
	k.alert("ORD-429", "processing", "SLA_BREACH", "")
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := len(rc.requests()); n < 2 {
			return fmt.Errorf("%d of 2 attempts", n)
		}
		return nil
	})
	got := rc.requests()
	if gap := got[1].at.Sub(got[0].at); gap < time.Second {
		t.Errorf("retry after %v, want >= Retry-After 1s", gap)
	}
}

// retryAfter adds Retry-After: 1 to every answer.
func retryAfter(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		h.ServeHTTP(w, r)
	})
}

func TestClientErrorDeadLettersAtOnce(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, func(*http.Request, int) int { return http.StatusBadRequest })
	w := hook("strict", rc.srv.URL)
	w.Secret = "s3cr3t-value"
	w.Headers = map[string]string{"Authorization": "Bearer hdr-secret"}
	run := k.notifier(w)
	k.waitConsumer("strict")
	id := k.alert("ORD-400", "processing", "SLA_BREACH", "acme")
	dl := waitDeadLetters(t, k, 1)[0]
	if n := len(rc.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry of a 400)", n)
	}
	alert := pipelinetest.ReadStream(t, k.srv.JS, contract.UpdatesStream, jetstream.OrderedConsumerConfig{})[0]
	if string(dl.Data()) != string(alert.Data()) {
		t.Errorf("dead letter body %s, want the alert's bytes %s", dl.Data(), alert.Data())
	}
	h := dl.Headers()
	want := map[string]string{
		contract.HeaderReason: "notify_failed", notify.HeaderWebhook: "strict", notify.HeaderDelivery: id,
		contract.HeaderSourceSubject: "orders.alerts.processing.ORD-400", contract.HeaderSourceSeq: "1",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
		}
	}
	if e := h.Get(contract.HeaderError); !strings.Contains(e, "HTTP 400") || !strings.Contains(e, "after 1 attempt") {
		t.Errorf("Ordertrack-Error %q", e)
	}
	if dl.Subject() != "orders.dlq.notify_failed" {
		t.Errorf("subject %s", dl.Subject())
	}
	for _, s := range []string{"s3cr3t-value", "hdr-secret"} {
		if strings.Contains(fmt.Sprint(h), s) {
			t.Errorf("dead letter headers show a secret: %v", h)
		}
	}
	waitAcked(t, k, "strict")
	checkCounter(t, run.met, "strict", notify.ResultDeadLettered, 1)
}

func TestMaxAttemptsThenDeadLetter(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Notify.MaxAttempts = 3
	k := newKit(t, cfg)
	rc := newReceiver(t, func(*http.Request, int) int { return http.StatusInternalServerError })
	k.notifier(hook("down", rc.srv.URL))
	k.waitConsumer("down")
	k.alert("ORD-500", "delivery", "SLA_BREACH", "")
	dl := waitDeadLetters(t, k, 1)[0]
	if n := len(rc.requests()); n != 3 {
		t.Errorf("%d requests, want max_attempts 3", n)
	}
	if e := dl.Headers().Get(contract.HeaderError); !strings.Contains(e, "after 3 attempt(s)") || !strings.Contains(e, "HTTP 500") {
		t.Errorf("Ordertrack-Error %q", e)
	}
}

func TestSlackFormatAndFilters(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, nil)
	all := newReceiver(t, nil)
	w := hook("slack", rc.srv.URL)
	w.Format = config.FormatSlack
	w.Events = []string{"SLA_BREACH"}
	w.Match = map[string]string{"tenant_id": "acme"}
	k.notifier(w, hook("all", all.srv.URL))
	k.waitConsumer("slack")
	k.waitConsumer("all")
	want := k.alert("ORD-S1", "processing", "SLA_BREACH", "acme")
	ids := []string{want,
		k.alert("ORD-S2", "processing", "SLA_BREACH", "other"),          // other tenant
		k.alert("ORD-S1", "processing", "SLA_BREACH_RETRACTED", "acme"), // other event type
	}
	all.waitDeliveries(t, pipelinetest.WaitTimeout(), ids)
	waitAcked(t, k, "slack")
	got := rc.requests()
	if len(got) != 1 || got[0].header.Get(notify.HeaderDelivery) != want {
		t.Fatalf("slack got %d requests (%v), want only %s", len(got), rc.deliveries(), want)
	}
	var body map[string]string
	if err := json.Unmarshal(got[0].body, &body); err != nil || body["text"] != "SLA BREACH: Order ORD-S1 not processed within 1s - Item: Blue Jeans" || len(body) != 1 {
		t.Errorf("slack body %s", got[0].body)
	}
}

// TestMatchOnOrderFields matches on item_category, which alerts do not
// carry: it is read from the order's state.
func TestMatchOnOrderFields(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	ctx := context.Background()
	for id, cat := range map[string]string{"ORD-C1": "Pants", "ORD-C2": "Shirts"} {
		w, err := k.prov.Orders.WriteAsync(id, fmt.Appendf(nil, `{"order_id":%q,"status":"ORDER","item_category":%q}`, id, cat), 0, 0)
		if err == nil {
			_, err = w.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rc := newReceiver(t, nil)
	w := hook("pants", rc.srv.URL)
	w.Match = map[string]string{"item_category": "Pants"}
	k.notifier(w)
	k.waitConsumer("pants")
	want := k.alert("ORD-C1", "processing", "SLA_BREACH", "")
	k.alert("ORD-C2", "processing", "SLA_BREACH", "")
	waitAcked(t, k, "pants")
	if got := rc.deliveries(); len(got) != 1 || got[want] != 1 {
		t.Errorf("deliveries %v, want only %s", got, want)
	}
}

func waitDeadLetters(t *testing.T, k *kit, n int) []jetstream.Msg {
	t.Helper()
	var got []jetstream.Msg
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		got = pipelinetest.ReadStream(t, k.srv.JS, contract.DLQStream, jetstream.OrderedConsumerConfig{})
		if len(got) < n {
			return fmt.Errorf("%d of %d dead letters", len(got), n)
		}
		return nil
	})
	return got
}

// waitAcked waits until the webhook's consumer has acknowledged every
// alert and warning stored so far: its ack floor has reached the last of
// them and nothing is unacknowledged. (Nothing pending alone is not
// enough: right after a publish the consumer may not count it yet.)
func waitAcked(t *testing.T, k *kit, name string) {
	t.Helper()
	ctx := context.Background()
	s, err := k.srv.JS.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for _, w := range []string{k.prov.Topology.AlertsWildcard(), k.prov.Topology.WarningsWildcard()} {
		m, err := s.GetLastMsgForSubject(ctx, w)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, m.Sequence)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		c, err := k.srv.JS.Consumer(ctx, contract.UpdatesStream, k.prov.Topology.NotifyConsumer(name))
		if err != nil {
			return err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.AckFloor.Stream < last || info.NumAckPending > 0 {
			return fmt.Errorf("webhook %s: acknowledged up to %d of %d, %d unacked", name, info.AckFloor.Stream, last, info.NumAckPending)
		}
		return nil
	})
}
