package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// runPipeline runs the real pipeline until the test ends.
func (k *kit) runPipeline() {
	k.t.Helper()
	pipelinetest.StartPipeline(k.t, pipeline.New(k.srv.JS, k.prov, pipeline.Options{Config: k.cfg, Log: testLog()}))
}

// publish stores input events: each (order, event type) at ts.
func (k *kit) publish(ts time.Time, events ...[2]string) {
	k.t.Helper()
	msgs := make([]*nats.Msg, len(events))
	for i, e := range events {
		m := nats.NewMsg(k.prov.Topology.EventSubject(e[0]))
		m.Data = fmt.Appendf(nil, `{"event_id":"%s-%s","order_id":%q,"event_type":%q,"item_name":"Blue Jeans","tenant_id":"acme","timestamp":%q}`,
			e[0], e[1], e[0], e[1], ts.UTC().Format(time.RFC3339Nano))
		m.Header.Set(jetstream.MsgIDHeader, e[0]+"-"+e[1])
		msgs[i] = m
	}
	if err := pipelinetest.PublishAll(context.Background(), k.srv.JS, msgs); err != nil {
		k.t.Fatal(err)
	}
}

// alertsStored returns the alerts and warnings on ORDER_UPDATES by
// Nats-Msg-Id.
func (k *kit) alertsStored() map[string][]byte {
	out := map[string][]byte{}
	for _, m := range pipelinetest.ReadStream(k.t, k.srv.JS, contract.UpdatesStream,
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{k.prov.Topology.AlertsWildcard(), k.prov.Topology.WarningsWildcard()}}) {
		out[m.Headers().Get(jetstream.MsgIDHeader)] = m.Data()
	}
	return out
}

// TestPipelineAlertsReachWebhooks runs the pipeline on a known event set:
// every breach, warning and retraction it emits reaches both webhooks
// once, signed, with the headers of SPEC section 13.
func TestPipelineAlertsReachWebhooks(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = time.Second, time.Second, 2*time.Second
	cfg.SLA.WarnAt = []float64{0.5}
	k := newKit(t, cfg)
	signed := newReceiver(t, nil)
	plain := newReceiver(t, nil)
	w := hook("ops", signed.srv.URL)
	w.Secret = "topsecret"
	w.Headers = map[string]string{"Authorization": "Bearer abc"}
	k.notifier(w, hook("plain", plain.srv.URL))
	k.waitConsumer("ops")
	k.waitConsumer("plain")
	k.runPipeline()

	now := time.Now()
	k.publish(now,
		[2]string{"E2E-A", "ORDER_PLACED"},                                           // processing and delivery: warned, breached
		[2]string{"E2E-B", "ORDER_PLACED"}, [2]string{"E2E-B", "PROCESSING_STARTED"}, // shipping and delivery
		[2]string{"E2E-C", "ORDER_PLACED"}, [2]string{"E2E-C", "PROCESSING_STARTED"},
		[2]string{"E2E-C", "ITEM_SHIPPED"}, [2]string{"E2E-C", "ITEM_DELIVERED"}, // met
		[2]string{"E2E-D", "ORDER_PLACED"}, [2]string{"E2E-D", "ORDER_CANCELLED"}, // cancelled
		[2]string{"E2E-E", "ORDER_PLACED"},
	)
	// E's processing is breached, then a late event proves it was met in
	// time: the breach is retracted.
	signed.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{"E2E-E:SLA_BREACH:processing"})
	k.publish(now.Add(300*time.Millisecond), [2]string{"E2E-E", "PROCESSING_STARTED"})
	want := []string{"E2E-A:SLA_BREACH:delivery", "E2E-A:SLA_BREACH:processing", "E2E-B:SLA_BREACH:delivery",
		"E2E-B:SLA_BREACH:shipping", "E2E-E:SLA_BREACH_RETRACTED:processing", "E2E-E:SLA_BREACH:delivery"}
	signed.waitDeliveries(t, pipelinetest.WaitTimeout(), want)
	plain.waitDeliveries(t, pipelinetest.WaitTimeout(), want)

	var stored map[string][]byte
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		stored = k.alertsStored()
		for name, rc := range map[string]*receiver{"ops": signed, "plain": plain} {
			if got := sortedKeys(rc.deliveries()); !slices.Equal(got, sortedKeys(stored)) {
				return fmt.Errorf("%s received %v, the pipeline stored %v", name, got, sortedKeys(stored))
			}
		}
		return nil
	})
	waitAcked(t, k, "ops")
	waitAcked(t, k, "plain")
	types := map[string]int{}
	for _, data := range stored {
		var u struct {
			EventType string `json:"event_type"`
		}
		_ = json.Unmarshal(data, &u)
		types[u.EventType]++
	}
	if types["SLA_BREACH"] < 6 || types["SLA_AT_RISK"] < 1 || types["SLA_BREACH_RETRACTED"] != 1 {
		t.Errorf("alerts by type %v: want breaches, warnings and one retraction", types)
	}
	t.Logf("%d alerts delivered to each webhook: %v", len(stored), sortedKeys(stored))
	for name, rc := range map[string]*receiver{"ops": signed, "plain": plain} {
		if got := rc.deliveries(); len(got) != len(stored) || len(rc.requests()) != len(stored) {
			t.Errorf("%s: %d requests for %d alerts, want each once", name, len(rc.requests()), len(stored))
		}
		for _, r := range rc.requests() {
			id := r.header.Get(notify.HeaderDelivery)
			if string(r.body) != string(stored[id]) {
				t.Errorf("%s %s: body %s, want the stored alert %s", name, id, r.body, stored[id])
			}
			if r.header.Get("Content-Type") != "application/json" || attempt(r) != 1 {
				t.Errorf("%s %s: Content-Type %q attempt %d", name, id, r.header.Get("Content-Type"), attempt(r))
			}
			sig := r.header.Get(notify.HeaderSignature)
			switch name {
			case "ops":
				if sig != notify.Sign("topsecret", r.body) || r.header.Get("Authorization") != "Bearer abc" {
					t.Errorf("ops %s: signature %q (want %q), Authorization %q", id, sig, notify.Sign("topsecret", r.body), r.header.Get("Authorization"))
				}
			case "plain":
				if sig != "" {
					t.Errorf("plain %s: signature %q without a secret", id, sig)
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestTwoInstancesDeliverOnce runs two notifiers on one webhook: every
// alert is delivered exactly once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, nil)
	k.notifier(hook("shared", rc.srv.URL))
	k.notifier(hook("shared", rc.srv.URL))
	k.waitConsumer("shared")
	var ids []string
	for i := range 60 {
		ids = append(ids, k.alert(fmt.Sprintf("ORD-2I-%02d", i), "processing", "SLA_BREACH", ""))
	}
	rc.waitDeliveries(t, pipelinetest.WaitTimeout(), ids)
	waitAcked(t, k, "shared")
	got := rc.deliveries()
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("%d distinct deliveries, want %d", len(got), len(ids))
	}
}

// TestWebhookAddedAndRemovedLive adds a webhook to a running notifier:
// it receives the alerts stored after; removing it deletes its consumer.
func TestWebhookAddedAndRemovedLive(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	first, second := newReceiver(t, nil), newReceiver(t, nil)
	run := k.notifier(hook("first", first.srv.URL))
	k.waitConsumer("first")
	before := k.alert("ORD-L1", "processing", "SLA_BREACH", "")
	first.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{before})

	cfg := k.cfg.Notify
	cfg.Webhooks = []config.Webhook{hook("first", first.srv.URL), hook("second", second.srv.URL)}
	run.n.Update(cfg)
	k.waitConsumer("second")
	after := k.alert("ORD-L2", "processing", "SLA_BREACH", "")
	second.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{after})
	first.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{after})
	if got := second.deliveries(); got[before] != 0 {
		t.Errorf("added webhook received %s, stored before it was added", before)
	}

	cfg.Webhooks = cfg.Webhooks[1:]
	run.n.Update(cfg)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		_, err := k.srv.JS.Consumer(context.Background(), contract.UpdatesStream, k.prov.Topology.NotifyConsumer("first"))
		if err == nil {
			return fmt.Errorf("consumer of the removed webhook still there")
		}
		return nil
	})
	last := k.alert("ORD-L3", "processing", "SLA_BREACH", "")
	second.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{last})
	if got := first.deliveries(); got[last] != 0 {
		t.Errorf("removed webhook received %s", last)
	}
}

// TestChangedWebhookAppliesLive changes a webhook's secret while it runs.
func TestChangedWebhookAppliesLive(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, nil)
	w := hook("rotate", rc.srv.URL)
	w.Secret = "old"
	run := k.notifier(w)
	k.waitConsumer("rotate")
	a := k.alert("ORD-K1", "processing", "SLA_BREACH", "")
	rc.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{a})
	w.Secret = "new"
	cfg := k.cfg.Notify
	cfg.Webhooks = []config.Webhook{w}
	run.n.Update(cfg)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		b := k.alert(fmt.Sprintf("ORD-K-%d", time.Now().UnixNano()), "processing", "SLA_BREACH", "")
		rc.waitDeliveries(t, pipelinetest.WaitTimeout(), []string{b})
		for _, r := range rc.requests() {
			if r.header.Get(notify.HeaderDelivery) == b && r.header.Get(notify.HeaderSignature) == notify.Sign("new", r.body) {
				return nil
			}
		}
		return fmt.Errorf("not yet signed with the new secret")
	})
}

// TestGracefulStopHandsOver stops one of two notifiers while alerts keep
// coming: the other delivers the rest, each alert once.
func TestGracefulStopHandsOver(t *testing.T) {
	t.Parallel()
	k := newKit(t, testConfig())
	rc := newReceiver(t, nil)
	a := k.notifier(hook("shared", rc.srv.URL))
	b := k.notifier(hook("shared", rc.srv.URL))
	k.waitConsumer("shared")
	var ids []string
	for i := range 20 {
		ids = append(ids, k.alert(fmt.Sprintf("ORD-GS-%02d", i), "processing", "SLA_BREACH", ""))
	}
	rc.waitDeliveries(t, pipelinetest.WaitTimeout(), ids)
	pinned := map[*running]float64{a: counter(t, a.met, "shared", notify.ResultDelivered), b: counter(t, b.met, "shared", notify.ResultDelivered)}
	first, other := a, b
	if pinned[b] > pinned[a] {
		first, other = b, a
	}
	start := time.Now()
	first.stop() // the instance that delivered
	for i := 20; i < 40; i++ {
		ids = append(ids, k.alert(fmt.Sprintf("ORD-GS-%02d", i), "processing", "SLA_BREACH", ""))
	}
	rc.waitDeliveries(t, pipelinetest.WaitTimeout(), ids)
	t.Logf("the other instance delivered the next 20 alerts %v after the stop", time.Since(start))
	waitAcked(t, k, "shared")
	for id, n := range rc.deliveries() {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if got := counter(t, other.met, "shared", notify.ResultDelivered); got < 20 {
		t.Errorf("the remaining instance delivered %v alerts, want the 20 after the stop", got)
	}
}
