package pipeline_test

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestReloadNeverBreachesAMetSLA applies events under processing 3s /
// shipping 4s / delivery 6s, then reloads to 1s / 1s / 2s while the
// orders' timers are still pending. When they fire, the order whose
// processing was met (1.6 s after it was placed) is not breached for it,
// the delivered order is not breached at all, and the pending SLAs breach
// at the deadlines they had when their start became known.
func TestReloadNeverBreachesAMetSLA(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = 3*time.Second, 4*time.Second, 6*time.Second
	e := setup(t, cfg)
	var rules atomic.Pointer[order.Rules]
	before := cfg.Rules()
	rules.Store(&before)
	e.start(pipeline.Options{LiveRules: func() order.Rules { return *rules.Load() }})

	now := time.Now().UTC().Truncate(time.Millisecond)
	placed := now.Add(-1600 * time.Millisecond)
	at := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	// Each ORDER_PLACED is applied on its own first, so that the orders
	// have timers listed for their processing and delivery deadlines.
	e.publish(ev{id: "RL-OPEN", typ: "ORDER_PLACED", ts: at(placed)}, ev{id: "RL-DONE", typ: "ORDER_PLACED", ts: at(placed)})
	e.waitIdle()
	e.publish(ev{id: "RL-OPEN", typ: "PROCESSING_STARTED", ts: at(now)},
		ev{id: "RL-DONE", typ: "PROCESSING_STARTED", ts: at(now)}, ev{id: "RL-DONE", typ: "ITEM_SHIPPED", ts: at(now)},
		ev{id: "RL-DONE", typ: "ITEM_DELIVERED", ts: at(now)})
	e.waitIdle()

	after := before
	after.Processing, after.Shipping, after.Delivery = time.Second, time.Second, 2*time.Second
	rules.Store(&after) // the live reload

	e.waitAlerts("RL-OPEN", 2)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := e.pendingTimers(); n != 0 {
			return fmt.Errorf("%d SLA schedules still pending", n)
		}
		return e.idle()
	})
	outs := e.outputs()
	if got, want := types(forOrder(outs, "RL-DONE")), []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING",
		"ITEM_SHIPPED/SHIPPED", "ITEM_DELIVERED/DELIVERED"}; !slices.Equal(got, want) {
		t.Errorf("RL-DONE outputs %v, want %v", got, want)
	}
	open := forOrder(outs, "RL-OPEN")
	if got, want := types(open), []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING",
		"SLA_BREACH/PROCESSING", "SLA_BREACH/PROCESSING"}; !slices.Equal(got, want) {
		t.Fatalf("RL-OPEN outputs %v, want %v", got, want)
	}
	checkBreach(t, open[2], "RL-OPEN", order.SLAShipping, now.Add(4*time.Second), time.Second)
	checkBreach(t, open[3], "RL-OPEN", order.SLADelivery, placed.Add(6*time.Second), time.Second)
	for i, msg := range []string{"SLA BREACH: Order RL-OPEN not shipped within 4s - Item: Blue Jeans",
		"SLA BREACH: Order RL-OPEN not delivered within 6s - Item: Blue Jeans"} {
		if open[2+i].Message != msg {
			t.Errorf("breach message %q, want %q", open[2+i].Message, msg)
		}
	}
	// The KV state keeps the deadlines of the terms in force when each
	// SLA started, whatever the reload.
	for _, id := range []string{"RL-OPEN", "RL-DONE"} {
		st, _ := e.state(id)
		for sla, want := range map[order.SLA]time.Time{order.SLAProcessing: placed.Add(3 * time.Second),
			order.SLAShipping: now.Add(4 * time.Second), order.SLADelivery: placed.Add(6 * time.Second)} {
			if got, ok := st.Deadlines.Get(sla); !ok || !got.Equal(want) {
				t.Errorf("%s: stored %s deadline %v, want %v", id, sla, got, want)
			}
		}
	}
}

// TestRecomputeKeepsMetSLAs reloads with sla.recompute: open to a rule
// whose processing (3s) the order met only under the old terms (1h; it was
// processed 5 s after it was placed): the recompute rewrites the pending
// shipping deadline (4s from processing, already past: breached at once)
// and leaves the met processing SLA, its stored deadline included, alone.
func TestRecomputeKeepsMetSLAs(t *testing.T) {
	t.Parallel()
	cfg := testConfig() // processing 1h, shipping 2h, delivery 4h
	cfg.SLA.Recompute = config.RecomputeOpen
	live := config.NewLive(cfg, time.Now())
	e := setup(t, cfg)
	e.start(pipeline.Options{
		LiveRules: func() order.Rules { return live.Config().Rules() },
		Instance:  pipeline.InstanceInfo{Live: live},
	})
	placed := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Millisecond)
	processed := placed.Add(5 * time.Second)
	e.publishRaw(testTopo.EventSubject("RM-MET"), fmt.Appendf(nil, `{"order_id":"RM-MET","event_type":"ORDER_PLACED","tenant_id":"acme","item_name":"Blue Jeans","timestamp":%q}`,
		placed.Format(time.RFC3339Nano)))
	e.publish(ev{id: "RM-MET", typ: "PROCESSING_STARTED", ts: processed.Format(time.RFC3339Nano)})
	e.waitIdle()

	next := cfg
	next.SLA.Rules = []config.Rule{{Name: "acme-fast", Match: config.Match{TenantID: "acme"}, Processing: 3 * time.Second, Shipping: 4 * time.Second}}
	live.Set(next, time.Now())
	got := e.waitAlerts("RM-MET", 1)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		for part := range cfg.Streaming.Partitions {
			if v, err := e.instancesKey(testTopo.RecomputeKey(part)); err != nil || v == "" {
				return fmt.Errorf("partition %d: no recompute recorded (%v)", part, err)
			}
		}
		return e.idle()
	})
	outs := forOrder(e.outputs(), "RM-MET")
	if got, want := types(outs), []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING", "SLA_BREACH/PROCESSING"}; !slices.Equal(got, want) {
		t.Fatalf("RM-MET outputs %v, want %v", got, want)
	}
	checkBreach(t, got[0], "RM-MET", order.SLAShipping, processed.Add(4*time.Second), 0)
	if got[0].Rule != "acme-fast" || got[0].Message != "SLA BREACH: Order RM-MET not shipped within 4s - Item: Blue Jeans" {
		t.Errorf("breach rule %q message %q", got[0].Rule, got[0].Message)
	}
	s, _ := e.state("RM-MET")
	for sla, want := range map[order.SLA]time.Time{order.SLAProcessing: placed.Add(time.Hour),
		order.SLAShipping: processed.Add(4 * time.Second), order.SLADelivery: placed.Add(4 * time.Hour)} {
		if at, ok := s.Deadlines.Get(sla); !ok || !at.Equal(want) {
			t.Errorf("stored %s deadline %v, want %v", sla, at, want)
		}
	}
}
