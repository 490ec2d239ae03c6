package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestRunReloadNeverBreachesMetSLAs drives the real run: two orders meet
// their processing SLA (5s), then the file shortens it to 1s. The event
// that delivers one order afterwards and the shipping timer that fires
// for the other judge each SLA against the deadline it had: the shipping
// breach comes at its stored deadline, and neither order is breached for
// processing, which both met in time.
func TestRunReloadNeverBreachesMetSLAs(t *testing.T) {
	t.Parallel()
	const file = "generator:\n  demo_sla: \"false\"\nsla:\n  processing: %s\n  shipping: 6s\n  delivery: 1h\n"
	r := startLive(t, fmt.Sprintf(file, "5s"))
	t0 := time.Now().UTC().Add(-2 * time.Second).Truncate(time.Millisecond)
	processed := t0.Add(1600 * time.Millisecond)
	for _, id := range []string{"MET-OPEN", "MET-DELIVERED"} {
		r.publish(id, "ORDER_PLACED", t0)
		r.publish(id, "PROCESSING_STARTED", processed)
	}
	for _, id := range []string{"MET-OPEN", "MET-DELIVERED"} {
		if s := r.waitState(id, func(s order.State) bool { return s.Status == order.StageProcessing }); !s.Deadlines.Processing.Equal(t0.Add(5 * time.Second)) {
			t.Fatalf("%s: stored processing deadline %v, want placed + 5s = %v", id, s.Deadlines.Processing, t0.Add(5*time.Second))
		}
	}

	r.write(fmt.Sprintf(file, "1s"))
	r.waitLog(pipelinetest.WaitTimeout(), `msg="configuration reloaded"`, 1)
	now := time.Now().UTC()
	r.publish("MET-DELIVERED", "ITEM_SHIPPED", now)
	r.publish("MET-DELIVERED", "ITEM_DELIVERED", now)
	r.waitState("MET-DELIVERED", func(s order.State) bool { return s.Status == order.StageDelivered })

	shipping := r.alert(order.SLAShipping, "MET-OPEN")
	if want := processed.Add(6 * time.Second); shipping.Deadline == nil || !shipping.Deadline.Equal(want) {
		t.Errorf("MET-OPEN shipping breach deadline %v, want processing + 6s = %v", shipping.Deadline, want)
	}
	for _, id := range []string{"MET-OPEN", "MET-DELIVERED"} {
		if u, ok := r.lastAlert(order.SLAProcessing, id); ok {
			t.Errorf("%s was breached for processing after the reload, which it met in time: %s", id, u.Message)
		}
	}
	if u, ok := r.lastAlert(order.SLAShipping, "MET-DELIVERED"); ok {
		t.Errorf("MET-DELIVERED got a shipping alert: %s", u.Message)
	}
}

// publish stores one event of id at ts.
func (r *liveRig) publish(id, typ string, ts time.Time) {
	r.t.Helper()
	data := fmt.Appendf(nil, `{"order_id":%q,"event_type":%q,"timestamp":%q}`, id, typ, ts.Format(time.RFC3339Nano))
	if _, err := r.js.Publish(context.Background(), testTopo.EventSubject(id), data); err != nil {
		r.t.Fatal(err)
	}
}

// waitState waits until the stored state of id satisfies ok and returns it.
func (r *liveRig) waitState(id string, ok func(order.State) bool) order.State {
	r.t.Helper()
	var s order.State
	pipelinetest.WaitFor(r.t, pipelinetest.WaitTimeout(), func() error {
		kv, err := r.js.KeyValue(context.Background(), contract.OrdersBucket)
		if err != nil {
			return err
		}
		e, err := kv.Get(context.Background(), id)
		if err != nil {
			return fmt.Errorf("order %s: %w", id, err)
		}
		if s, err = contract.DecodeState(e.Value()); err != nil {
			return err
		}
		if !ok(s) {
			return fmt.Errorf("order %s is %s", id, s.Status)
		}
		return nil
	})
	return s
}

// alert waits for the last alert of an SLA of id.
func (r *liveRig) alert(sla order.SLA, id string) order.Update {
	r.t.Helper()
	var u order.Update
	pipelinetest.WaitFor(r.t, pipelinetest.WaitTimeout(), func() error {
		var ok bool
		if u, ok = r.lastAlert(sla, id); !ok {
			return fmt.Errorf("no %s alert of %s", sla, id)
		}
		return nil
	})
	return u
}

// lastAlert returns the last alert of an SLA of id stored so far.
func (r *liveRig) lastAlert(sla order.SLA, id string) (order.Update, bool) {
	r.t.Helper()
	s, err := r.js.Stream(context.Background(), contract.UpdatesStream)
	if err != nil {
		r.t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(context.Background(), testTopo.AlertSubject(sla, id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return order.Update{}, false
	}
	if err != nil {
		r.t.Fatal(err)
	}
	var u order.Update
	if err := json.Unmarshal(m.Data, &u); err != nil {
		r.t.Fatal(err)
	}
	return u, true
}
