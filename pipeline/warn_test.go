package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// publishJSON publishes one event given as fields.
func (e *env) publishJSON(fields map[string]any) {
	e.t.Helper()
	data, _ := json.Marshal(fields)
	e.publishRaw(testTopo.EventSubject(fields["order_id"].(string)), data)
}

// waitOutputs waits until an order has n outputs of type typ.
func (e *env) waitOutputs(id string, typ order.UpdateType, n int) []output {
	e.t.Helper()
	var got []output
	pipelinetest.WaitFor(e.t, pipelinetest.WaitTimeout(), func() error {
		got = got[:0]
		for _, o := range forOrder(e.outputs(), id) {
			if o.Type == typ {
				got = append(got, o)
			}
		}
		if len(got) < n {
			return fmt.Errorf("%d %s of %s, want %d", len(got), typ, id, n)
		}
		return nil
	})
	return got
}

// TestWarningsOnceEachWithTheirThreshold: warn_at [0.5, 0.75] on a 2s
// processing and 4s delivery SLA sends four SLA_AT_RISK, each once, on the
// warnings subject with its threshold, exact warning time and Msg-Id, and
// none after the breaches.
func TestWarningsOnceEachWithTheirThreshold(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SLA.Processing, cfg.SLA.Delivery, cfg.SLA.WarnAt = 2*time.Second, 4*time.Second, []float64{0.5, 0.75}
	e := setup(t, cfg)
	e.start(pipeline.Options{})
	placed := time.Now().UTC().Truncate(time.Millisecond).Add(250 * time.Microsecond)
	e.publishJSON(map[string]any{"order_id": "WARN-1", "event_type": "ORDER_PLACED", "item_name": "Blue Jeans",
		"timestamp": placed.Format(time.RFC3339Nano)})
	e.waitOutputs("WARN-1", order.UpdateBreach, 2)
	e.waitIdle()
	warns := map[string]output{}
	for _, o := range forOrder(e.outputs(), "WARN-1") {
		if o.Type != order.UpdateAtRisk {
			continue
		}
		if _, dup := warns[o.MsgID]; dup {
			t.Errorf("warning %s twice", o.MsgID)
		}
		warns[o.MsgID] = o
	}
	type want struct {
		sla      order.SLA
		th       float64
		at, dead time.Time
	}
	wants := []want{
		{order.SLAProcessing, 0.5, placed.Add(time.Second), placed.Add(2 * time.Second)},
		{order.SLAProcessing, 0.75, placed.Add(1500 * time.Millisecond), placed.Add(2 * time.Second)},
		{order.SLADelivery, 0.5, placed.Add(2 * time.Second), placed.Add(4 * time.Second)},
		{order.SLADelivery, 0.75, placed.Add(3 * time.Second), placed.Add(4 * time.Second)},
	}
	if len(warns) != len(wants) {
		t.Fatalf("%d warnings, want %d: %v", len(warns), len(wants), warns)
	}
	for _, w := range wants {
		id := fmt.Sprintf("WARN-1:SLA_AT_RISK:%s:%s", w.sla, order.FormatThreshold(w.th))
		o, ok := warns[id]
		if !ok {
			t.Errorf("no warning %s", id)
			continue
		}
		left := w.dead.Sub(o.EmittedAt).Seconds()
		switch {
		case o.Subject != "orders.warnings."+string(w.sla)+".WARN-1" || o.SLA != w.sla || o.Threshold != w.th || o.SLABreach:
			t.Errorf("%s: subject %s sla %s threshold %v sla_breach %v", id, o.Subject, o.SLA, o.Threshold, o.SLABreach)
		case !o.EventTime.Equal(w.at) || o.Deadline == nil || !o.Deadline.Equal(w.dead) || o.Rule != "default":
			t.Errorf("%s: event_time %v deadline %v rule %q, want %v %v default", id, o.EventTime, o.Deadline, o.Rule, w.at, w.dead)
		case o.EmittedAt.Before(w.at) || o.EmittedAt.After(w.dead):
			t.Errorf("%s: emitted %v, want between the warning time %v and the deadline", id, o.EmittedAt, w.at)
		case o.RemainingSeconds <= 0 || math.Abs(o.RemainingSeconds-left) > 0.002:
			t.Errorf("%s: remaining_seconds %v, want %.3f (deadline - emitted_at)", id, o.RemainingSeconds, left)
		}
	}
	counts, err := monitor.CountWarnings(context.Background(), e.js, e.prov.Topology)
	if err != nil || counts[order.SLAProcessing] != 2 || counts[order.SLADelivery] != 2 {
		t.Errorf("status counts warnings %v (%v), want processing 2 and delivery 2", counts, err)
	}
	s, _ := e.state("WARN-1")
	if len(s.Warnings) != 4 || !reflect.DeepEqual(s.Breaches, []order.SLA{order.SLAProcessing, order.SLADelivery}) {
		t.Errorf("state warnings %+v breaches %v", s.Warnings, s.Breaches)
	}
}

// TestCalendarDeadlineToTheMillisecond: the SPEC example through NATS. An
// order of tenant acme placed Friday 17:00:00.123 Berlin under a rule with
// a 4h processing SLA and a Mon-Fri 08-18 calendar falls due Monday
// 11:00:00.123 Berlin; the breach (at once: that is in the past) carries
// the deadline to the nanosecond and the rule's name.
func TestCalendarDeadlineToTheMillisecond(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	week := "08:00-18:00"
	cfg.Calendars = map[string]config.Calendar{"warehouse": {Timezone: "Europe/Berlin",
		Hours: map[string]string{"mon": week, "tue": week, "wed": week, "thu": week, "fri": week}}}
	cfg.SLA.Rules = []config.Rule{{Name: "acme-office", Match: config.Match{TenantID: "acme", ServiceLevel: "express"}, Processing: 4 * time.Hour, Calendar: "warehouse"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := setup(t, cfg)
	e.start(pipeline.Options{})
	e.publishJSON(map[string]any{"order_id": "CAL-1", "event_type": "ORDER_PLACED", "item_name": "Blue Jeans",
		"tenant_id": "acme", "service_level": "express", "timestamp": "2026-11-27T17:00:00.123+01:00"})
	b := e.waitOutputs("CAL-1", order.UpdateBreach, 1)[0]
	want := time.Date(2026, 11, 30, 10, 0, 0, 123_000_000, time.UTC) // Monday 11:00:00.123 Berlin
	if b.SLA != order.SLAProcessing || b.Deadline == nil || !b.Deadline.Equal(want) || b.Rule != "acme-office" {
		t.Fatalf("breach sla %s deadline %v rule %q, want processing %v acme-office", b.SLA, b.Deadline, b.Rule, want)
	}
	if b.Message != "SLA BREACH: Order CAL-1 not processed within 4h - Item: Blue Jeans" {
		t.Errorf("message %q", b.Message)
	}
	s, _ := e.state("CAL-1")
	if s.SLARule != "acme-office" || s.ServiceLevel != "express" {
		t.Errorf("state sla_rule %q service_level %q, want acme-office express", s.SLARule, s.ServiceLevel)
	}
}

// TestRetractionThroughNATS: a processing breach, then a late
// PROCESSING_STARTED whose timestamp is before the deadline: one
// SLA_BREACH_RETRACTED on the alert subject with its fields, the SLA moved
// from breaches to retracted, and no second breach.
func TestRetractionThroughNATS(t *testing.T) {
	t.Parallel()
	e := setup(t, slaConfig())
	e.start(pipeline.Options{})
	placed := time.Now().UTC().Truncate(time.Millisecond)
	e.publishJSON(map[string]any{"order_id": "RET-1", "event_type": "ORDER_PLACED", "item_name": "Blue Jeans",
		"timestamp": placed.Format(time.RFC3339Nano)})
	e.waitOutputs("RET-1", order.UpdateBreach, 1)
	met := placed.Add(time.Second)
	e.publishJSON(map[string]any{"order_id": "RET-1", "event_type": "PROCESSING_STARTED", "timestamp": met.Format(time.RFC3339Nano)})
	r := e.waitOutputs("RET-1", order.UpdateRetracted, 1)[0]
	deadline := placed.Add(e.cfg.SLA.Processing)
	wantMsg := fmt.Sprintf("SLA BREACH RETRACTED: Order RET-1 was processed at %s, before its deadline %s; the event arrived late - Item: Blue Jeans",
		met.Format(time.RFC3339Nano), deadline.Format(time.RFC3339Nano))
	switch {
	case r.Subject != "orders.alerts.processing.RET-1" || r.MsgID != "RET-1:SLA_BREACH_RETRACTED:processing":
		t.Errorf("retraction on %s msg-id %s", r.Subject, r.MsgID)
	case r.SLA != order.SLAProcessing || r.SLABreach || r.Rule != "default" || r.Status != order.StageProcessing:
		t.Errorf("retraction sla %s sla_breach %v rule %q status %s", r.SLA, r.SLABreach, r.Rule, r.Status)
	case !r.EventTime.Equal(met) || r.Deadline == nil || !r.Deadline.Equal(deadline) || r.Message != wantMsg:
		t.Errorf("retraction event_time %v deadline %v message %q, want %v %v %q", r.EventTime, r.Deadline, r.Message, met, deadline, wantMsg)
	}
	e.waitOutputs("RET-1", order.UpdateBreach, 2) // the shipping breach, later
	e.waitIdle()
	var breaches, retractions []order.SLA
	for _, o := range forOrder(e.outputs(), "RET-1") {
		switch o.Type {
		case order.UpdateBreach:
			breaches = append(breaches, o.SLA)
		case order.UpdateRetracted:
			retractions = append(retractions, o.SLA)
		}
	}
	if !reflect.DeepEqual(breaches, []order.SLA{order.SLAProcessing, order.SLAShipping}) || len(retractions) != 1 {
		t.Errorf("breaches %v retractions %v, want processing and shipping once, one retraction", breaches, retractions)
	}
	s, _ := e.state("RET-1")
	if !reflect.DeepEqual(s.Retracted, []order.SLA{order.SLAProcessing}) || slicesContain(s.Breaches, order.SLAProcessing) {
		t.Errorf("state breaches %v retracted %v", s.Breaches, s.Retracted)
	}
}

// TestGraceLetsALateEventProveTheStage: with sla.grace 3s, an in-time
// PROCESSING_STARTED arriving after the deadline but within the grace period
// means no breach at all.
func TestGraceLetsALateEventProveTheStage(t *testing.T) {
	t.Parallel()
	cfg := slaConfig()
	cfg.SLA.Grace = 3 * time.Second
	e := setup(t, cfg)
	e.start(pipeline.Options{})
	placed := time.Now().UTC()
	e.publishJSON(map[string]any{"order_id": "GRACE-1", "event_type": "ORDER_PLACED", "timestamp": placed.Format(time.RFC3339Nano)})
	deadline := placed.Add(cfg.SLA.Processing)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if time.Now().Before(deadline.Add(200 * time.Millisecond)) {
			return fmt.Errorf("the deadline %v has not passed", deadline)
		}
		return nil
	})
	e.publishJSON(map[string]any{"order_id": "GRACE-1", "event_type": "PROCESSING_STARTED",
		"timestamp": placed.Add(time.Second).Format(time.RFC3339Nano)})
	b := e.waitOutputs("GRACE-1", order.UpdateBreach, 1) // shipping: 1.5s from processing, plus grace
	if b[0].SLA != order.SLAShipping {
		t.Errorf("breach %s, want only shipping (processing was proven within the grace period)", b[0].SLA)
	}
	e.waitIdle()
	for _, o := range forOrder(e.outputs(), "GRACE-1") {
		if o.SLA == order.SLAProcessing {
			t.Errorf("processing output %s despite the grace period", o.Type)
		}
	}
}

func slicesContain(xs []order.SLA, x order.SLA) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
