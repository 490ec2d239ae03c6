package pipeline_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func slaConfig() config.Config {
	cfg := testConfig()
	cfg.SLA.Processing = 1500 * time.Millisecond
	cfg.SLA.Shipping = 1500 * time.Millisecond
	cfg.SLA.Delivery = 3 * time.Second
	return cfg
}

// alerts returns the SLA_BREACH outputs of an order.
func alerts(outs []output, id string) []output {
	var r []output
	for _, o := range forOrder(outs, id) {
		if o.Type == order.UpdateBreach {
			r = append(r, o)
		}
	}
	return r
}

func (e *env) waitAlerts(id string, n int) []output {
	e.t.Helper()
	var got []output
	pipelinetest.WaitFor(e.t, pipelinetest.WaitTimeout(), func() error {
		if got = alerts(e.outputs(), id); len(got) < n {
			return fmt.Errorf("%d breach(es) of %s, want %d", len(got), id, n)
		}
		return nil
	})
	return got
}

// checkBreach asserts one breach's subject, SLA, deadline, message and
// timing: never before the deadline, at most trigger interval + 1s after.
func checkBreach(t *testing.T, b output, id string, sla order.SLA, deadline time.Time, within time.Duration) {
	t.Helper()
	if b.Subject != "orders.alerts."+string(sla)+"."+id || b.SLA != sla || !b.SLABreach {
		t.Errorf("breach %s on %s sla %q, want %s", b.OrderID, b.Subject, b.SLA, sla)
	}
	if b.Deadline == nil || !b.Deadline.Equal(deadline) || !b.EventTime.Equal(deadline) {
		t.Errorf("deadline %v event_time %v, want %v", b.Deadline, b.EventTime, deadline)
	}
	verb := map[order.SLA]string{order.SLAProcessing: "processed", order.SLAShipping: "shipped", order.SLADelivery: "delivered"}[sla]
	if !strings.HasPrefix(b.Message, fmt.Sprintf("SLA BREACH: Order %s not %s within ", id, verb)) || !strings.HasSuffix(b.Message, " - Item: Blue Jeans") {
		t.Errorf("message %q", b.Message)
	}
	if within > 0 {
		if b.EmittedAt.Before(deadline) {
			t.Errorf("breach emitted %v before the deadline %v", b.EmittedAt, deadline)
		}
		if late := b.EmittedAt.Sub(deadline); late > within {
			t.Errorf("breach emitted %v after the deadline, want within %v", late, within)
		}
	}
}

func TestProcessingBreachOnceOnTime(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	e.start(pipeline.Options{})
	placed := time.Now().UTC().Truncate(time.Millisecond).Add(123456 * time.Nanosecond)
	e.publish(ev{id: "SLA-P", typ: "ORDER_PLACED", ts: placed.Format(time.RFC3339Nano)})
	got := e.waitAlerts("SLA-P", 1)
	checkBreach(t, got[0], "SLA-P", order.SLAProcessing, placed.Add(e.cfg.SLA.Processing), e.cfg.Streaming.TriggerInterval+time.Second)
	if got[0].Message != "SLA BREACH: Order SLA-P not processed within 1.5s - Item: Blue Jeans" {
		t.Errorf("message %q", got[0].Message)
	}
	// The delivery deadline passes too; after it the processing breach is still single.
	e.waitAlerts("SLA-P", 2)
	e.waitIdle()
	got = alerts(e.outputs(), "SLA-P")
	if len(got) != 2 || got[0].SLA != order.SLAProcessing || got[1].SLA != order.SLADelivery {
		t.Fatalf("breaches %v, want processing then delivery once each", types(got))
	}
	s, _ := e.state("SLA-P")
	if len(s.Breaches) != 2 || s.Status != order.StageOrder {
		t.Errorf("state breaches %v status %s", s.Breaches, s.Status)
	}
}

func TestNoBreachWhenInTimeDeliveredOrCancelled(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	e.start(pipeline.Options{})
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339Nano)
	e.publish(
		ev{id: "OK-1", typ: "ORDER_PLACED", ts: ts}, ev{id: "OK-1", typ: "PROCESSING_STARTED", ts: ts},
		ev{id: "OK-1", typ: "ITEM_SHIPPED", ts: ts}, ev{id: "OK-1", typ: "ITEM_DELIVERED", ts: ts},
		ev{id: "OK-2", typ: "ORDER_PLACED", ts: ts}, ev{id: "OK-2", typ: "ORDER_CANCELLED", ts: ts},
	)
	// A sentinel placed after them breaches every SLA later than theirs fall due.
	e.publish(ev{id: "SENTINEL", typ: "ORDER_PLACED", ts: time.Now().UTC().Format(time.RFC3339Nano)})
	e.waitAlerts("SENTINEL", 2)
	e.waitIdle()
	outs := e.outputs()
	for _, id := range []string{"OK-1", "OK-2"} {
		if a := alerts(outs, id); len(a) != 0 {
			t.Errorf("%s: unexpected breaches %v", id, types(a))
		}
	}
	if n := e.pendingTimers(); n != 0 {
		t.Errorf("%d SLA schedules still pending, want 0", n)
	}
}

func TestShippingAndDeliveryBreaches(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	e.start(pipeline.Options{})
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339Nano)
	e.publish(ev{id: "SHIP", typ: "ORDER_PLACED", ts: ts}, ev{id: "SHIP", typ: "PROCESSING_STARTED", ts: ts})
	e.publish(ev{id: "DELIV", typ: "ORDER_PLACED", ts: ts}, ev{id: "DELIV", typ: "PROCESSING_STARTED", ts: ts}, ev{id: "DELIV", typ: "ITEM_SHIPPED", ts: ts})
	ship := e.waitAlerts("SHIP", 1)
	checkBreach(t, ship[0], "SHIP", order.SLAShipping, now.Add(e.cfg.SLA.Shipping), time.Second)
	deliv := e.waitAlerts("DELIV", 1)
	checkBreach(t, deliv[0], "DELIV", order.SLADelivery, now.Add(e.cfg.SLA.Delivery), time.Second)
}

func TestLateTransitionBreachesOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	placed := time.Now().UTC().Add(-10 * time.Second)
	// Published before the pipeline starts: both land in one batch, so the
	// breach is found when PROCESSING_STARTED is applied, not by a timer.
	e.publish(ev{id: "LATE", typ: "ORDER_PLACED", ts: placed.Format(time.RFC3339Nano)},
		ev{id: "LATE", typ: "PROCESSING_STARTED", ts: placed.Add(5 * time.Second).Format(time.RFC3339Nano)})
	e.start(pipeline.Options{})
	e.waitAlerts("LATE", 3)
	e.waitIdle()
	outs := forOrder(e.outputs(), "LATE")
	got := alerts(outs, "LATE")
	slas := map[order.SLA]int{}
	for _, b := range got {
		slas[b.SLA]++
	}
	// Processing was met late (found on apply); shipping and delivery fell
	// due unmet (their timers fire at once). Each exactly once.
	if len(got) != 3 || slas[order.SLAProcessing] != 1 || slas[order.SLAShipping] != 1 || slas[order.SLADelivery] != 1 {
		t.Fatalf("breaches %v, want each SLA once", slas)
	}
	checkBreach(t, got[0], "LATE", order.SLAProcessing, placed.Add(e.cfg.SLA.Processing), 0)
	if outs[1].Type != order.UpdateProcessing || outs[2].SLA != order.SLAProcessing || !outs[2].EmittedAt.Equal(outs[1].EmittedAt) {
		t.Errorf("processing breach should follow PROCESSING_STARTED in the same batch: %v", types(outs))
	}
}

func TestBreachPendingAcrossRestarts(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	e.start(pipeline.Options{})
	placed := time.Now().UTC()
	e.publish(ev{id: "RESTART", typ: "ORDER_PLACED", ts: placed.Format(time.RFC3339Nano)})
	e.waitIdle()
	e.stop()
	// Restart NATS itself too: schedules live in its file store.
	dir := e.srv.Server.StoreDir()
	e.srv.Shutdown()
	e.reopen(pipelinetest.StoreDir(strings.TrimSuffix(dir, "/jetstream")))
	e.start(pipeline.Options{})
	e.waitAlerts("RESTART", 2)
	e.waitIdle()
	got := alerts(e.outputs(), "RESTART")
	if len(got) != 2 {
		t.Fatalf("breaches %v, want processing and delivery once", types(got))
	}
	checkBreach(t, got[0], "RESTART", order.SLAProcessing, placed.Add(e.cfg.SLA.Processing), 0)
}
