package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestSlotsCheckManyOrdersOnce places 200 orders at one instant, then
// processes every other one before its deadline: the timers of all 200 sit
// in a few slot schedules (not one per order and SLA), processing the half
// sends no cancel, each unprocessed order gets exactly one processing
// breach and the processed ones exactly one shipping breach instead, each
// at its exact deadline and within a second of it, everyone one delivery
// breach, and once the last slot fired ORDER_SLA holds nothing.
func TestSlotsCheckManyOrdersOnce(t *testing.T) {
	const n = 200
	e := setup(t, slaConfig())
	placed := time.Now().UTC().Add(123456 * time.Nanosecond)
	var evs []ev
	for i := range n {
		evs = append(evs, ev{id: fmt.Sprintf("SLOT-%03d", i), typ: "ORDER_PLACED", ts: placed.Format(time.RFC3339Nano)})
	}
	e.publish(evs...)
	e.start(pipeline.Options{})
	e.waitIdle()
	before := e.slaSubjects(testTopo.SlotSchedulesWildcard())
	if len(before) == 0 || len(before) > 2*e.cfg.Streaming.Partitions*2 {
		t.Errorf("%d schedules for %d orders' 2 deadlines, want a few per partition", len(before), n)
	}
	evs = evs[:0]
	for i := 0; i < n; i += 2 {
		evs = append(evs, ev{id: fmt.Sprintf("SLOT-%03d", i), typ: "PROCESSING_STARTED", ts: placed.Add(time.Millisecond).Format(time.RFC3339Nano)})
	}
	e.publish(evs...)
	e.waitIdle()
	// Nothing is cancelled: the old schedules stay, the new ones are for
	// the shipping deadline's slot only.
	shipSlot := placed.Add(time.Millisecond+e.cfg.SLA.Shipping).UnixMilli() / 100 * 100
	after := e.slaSubjects(testTopo.SlotSchedulesWildcard())
	read := time.Now()
	for subj := range before {
		// A schedule whose slot has passed may have fired (a loaded machine
		// can take longer than the 1.5s SLA between the two reads); one
		// still due must be there.
		if !after[subj] && slotEnd(t, subj).After(read) {
			t.Errorf("schedule %s gone after processing: a cancel", subj)
		}
	}
	for subj := range after {
		if !before[subj] && !strings.Contains(subj, fmt.Sprintf(".%d.", shipSlot)) {
			t.Errorf("new schedule %s, want only slot %d (shipping deadlines)", subj, shipSlot)
		}
	}
	e.waitAlerts(fmt.Sprintf("SLOT-%03d", n-1), 2)
	e.waitAlerts(fmt.Sprintf("SLOT-%03d", 0), 1)
	e.waitIdle()
	outs := e.outputs()
	for i := range n {
		id := fmt.Sprintf("SLOT-%03d", i)
		got := alerts(outs, id)
		r := e.cfg.Rules()
		want := []order.Deadline{{SLA: order.SLAProcessing, At: placed.Add(r.Processing)}, {SLA: order.SLADelivery, At: placed.Add(r.Delivery)}}
		if i%2 == 0 { // processed in time: shipping falls due instead
			want[0] = order.Deadline{SLA: order.SLAShipping, At: placed.Add(time.Millisecond + r.Shipping)}
		}
		if len(got) != len(want) {
			t.Errorf("%s: breaches %v, want %v", id, got, want)
			continue
		}
		for j, d := range want {
			checkBreach(t, got[j], id, d.SLA, d.At, time.Second)
		}
	}
	if left := e.slaMessages(testTopo.SLAWildcard()); left != 0 {
		t.Errorf("ORDER_SLA holds %d messages after every deadline passed, want 0", left)
	}
}

// slaSubjects returns the subjects with messages on a filter of ORDER_SLA.
func (e *env) slaSubjects(filter string) map[string]bool {
	e.t.Helper()
	info, err := e.prov.Timers.Info(context.Background(), jetstream.WithSubjectFilter(filter))
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]bool{}
	for subj := range info.State.Subjects {
		out[subj] = true
	}
	return out
}

// slaMessages counts the messages on a subject filter of ORDER_SLA.
func (e *env) slaMessages(filter string) int {
	e.t.Helper()
	info, err := e.prov.Timers.Info(context.Background(), jetstream.WithSubjectFilter(filter))
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// slotEnd is when the slot of a schedule subject
// (orders.sla.sched.<partition>.<slot ms>.<id>) ends: its schedule fires by then.
func slotEnd(t *testing.T, subject string) time.Time {
	t.Helper()
	var ms int64
	tokens := strings.Split(subject, ".")
	if len(tokens) < 6 {
		t.Fatalf("schedule subject %q", subject)
	}
	if _, err := fmt.Sscan(tokens[4], &ms); err != nil {
		t.Fatalf("schedule subject %q: %v", subject, err)
	}
	return time.UnixMilli(ms).Add(pipeline.SlotWidth)
}
