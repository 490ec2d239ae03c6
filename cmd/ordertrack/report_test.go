package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestReportCountsAKnownEventSet runs the pipeline on the whatif event set
// under processing 10s, shipping 1h, delivery 2h (all deadlines passed) and
// checks report's numbers, as JSON and as text.
func TestReportCountsAKnownEventSet(t *testing.T) {
	t.Parallel()
	events := whatifEvents(time.Now().Add(-3 * time.Hour).Truncate(time.Millisecond))
	_, url := pipelineTally(t, writeSLAConfig(t, "10s"), events)

	code, out, errs := runCommand(t, "report", "--nats.url", url, "--json")
	if code != 0 {
		t.Fatalf("report exit %d: %s%s", code, out, errs)
	}
	var got struct {
		Since *time.Time
		By    string
		Rows  []order.AttainmentRow
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []order.AttainmentRow{
		{Group: "all", SLA: order.SLAProcessing, Orders: 6, Met: 4, Breached: 1, Cancelled: 1, OnTimeRate: 0.8, CancelRate: 0.1667},
		{Group: "all", SLA: order.SLAShipping, Orders: 6, Met: 1, Breached: 2, Cancelled: 2, Pending: 1, OnTimeRate: 0.3333, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLADelivery, Orders: 6, Breached: 4, Cancelled: 2, CancelRate: 0.3333},
	}
	if got.Since != nil || got.By != "sla" || !reflect.DeepEqual(got.Rows, want) {
		t.Fatalf("report --json: since %v by %q rows\n%+v\nwant\n%+v", got.Since, got.By, got.Rows, want)
	}

	code, text, errs := runCommand(t, "report", "--nats.url", url, "--by", "tenant", "--since", "1d")
	if code != 0 {
		t.Fatalf("report --by tenant exit %d: %s%s", code, text, errs)
	}
	line := "acme: on-time processing 80.0%, on-time shipping 33.3%, on-time delivery 0.0%; cancelled before delivery 33.3% (6 orders)"
	if !strings.Contains(text, line) {
		t.Errorf("report --by tenant lacks %q:\n%s", line, text)
	}
	if code, out, errs := runCommand(t, "report", "--nats.url", url, "--by", "colour"); code != 2 || !strings.Contains(out+errs, `--by "colour"`) {
		t.Errorf("report --by colour: exit %d, %s%s", code, out, errs)
	}
}

// TestReportPredictionsCountsAKnownEventSet runs the pipeline on the whatif
// event set (the outcomes of TestReportCountsAKnownEventSet), writes
// SLA_AT_RISK records to ORDER_UPDATES as the engine sends them, predicted
// and sla.warn_at, and checks report --predictions' exact counts, rates
// and median lead times, as JSON and as text.
func TestReportPredictionsCountsAKnownEventSet(t *testing.T) {
	t.Parallel()
	events := whatifEvents(time.Now().Add(-3 * time.Hour).Truncate(time.Millisecond))
	p := runPipeline(t, writeSLAConfig(t, "10s"))
	for _, e := range events {
		p.publish(t, e)
	}
	p.tally(t, whatifIDs)
	warn := func(id string, sla order.SLA, reason string, lead float64) {
		t.Helper()
		rec := fmt.Sprintf(`{"order_id":%q,"event_type":"SLA_AT_RISK","status":"ORDER","message":"SLA AT RISK","sla_breach":false,"sla":%q,"reason":%q,"probability":0.85,"threshold":0.8,"remaining_seconds":%g}`,
			id, sla, reason, lead)
		msg := nats.NewMsg(testTopo.WarningSubject(sla, id))
		msg.Data = []byte(rec)
		msg.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s:SLA_AT_RISK:%s:%s:%g", id, sla, reason, lead))
		if _, err := p.js.PublishMsg(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	// processing ended: A, B, E, F met; C breached.
	warn("WI-C", order.SLAProcessing, "predicted", 4) // warned and breached
	warn("WI-A", order.SLAProcessing, "predicted", 3) // warned and met
	warn("WI-D", order.SLAProcessing, "predicted", 1) // cancelled: counts nothing
	warn("WI-Z", order.SLAProcessing, "predicted", 1) // no such order: counts nothing
	warn("WI-B", order.SLAProcessing, "", 5)          // warn_at, warned and met
	// shipping ended: A, B breached; E met (C pending, D and F cancelled).
	warn("WI-A", order.SLAShipping, "predicted", 1800) // warned and breached
	warn("WI-E", order.SLAShipping, "predicted", 600)  // warned and met; B breached unwarned
	// delivery ended: A, B, C, E breached.
	warn("WI-A", order.SLADelivery, "predicted", 100)
	warn("WI-A", order.SLADelivery, "predicted", 50) // a second record: the first counts
	warn("WI-B", order.SLADelivery, "predicted", 300)
	warn("WI-C", order.SLADelivery, "predicted", 200) // E breached unwarned
	warn("WI-E", order.SLADelivery, "warn_at", 3000)  // warn_at only: not predicted

	code, out, errs := runCommand(t, "report", "--nats.url", p.url, "--predictions", "--json")
	if code != 0 {
		t.Fatalf("report --predictions --json exit %d: %s%s", code, out, errs)
	}
	var got order.Predictions
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	const seg = "sla_rule=default"
	want := order.Predictions{By: []string{"sla_rule"}, Rows: []order.PredictionRow{
		{SLA: order.SLAProcessing, Segment: seg,
			WarningScore: order.WarningScore{WarnedBreached: 1, WarnedMet: 1, Precision: 0.5, Recall: 1, MedianLeadSeconds: 4},
			WarnAt:       order.WarningScore{WarnedMet: 1, BreachedUnwarned: 1}},
		{SLA: order.SLAShipping, Segment: seg,
			WarningScore: order.WarningScore{WarnedBreached: 1, WarnedMet: 1, BreachedUnwarned: 1, Precision: 0.5, Recall: 0.5, MedianLeadSeconds: 1800},
			WarnAt:       order.WarningScore{BreachedUnwarned: 2}},
		{SLA: order.SLADelivery, Segment: seg,
			WarningScore: order.WarningScore{WarnedBreached: 3, BreachedUnwarned: 1, Precision: 1, Recall: 0.75, MedianLeadSeconds: 200},
			WarnAt:       order.WarningScore{WarnedBreached: 1, BreachedUnwarned: 3, Precision: 1, Recall: 0.25, MedianLeadSeconds: 3000}},
	}}
	for _, r := range want.Rows { // one segment: the totals are its rows
		r.Segment = order.AllSegments
		want.Totals = append(want.Totals, r)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("report --predictions --json:\n%+v\nwant\n%+v\n%s", got, want, out)
	}

	code, text, errs := runCommand(t, "report", "--nats.url", p.url, "--predictions")
	if code != 0 {
		t.Fatalf("report --predictions exit %d: %s%s", code, text, errs)
	}
	for _, line := range []string{
		"sla.predict.enabled is false",
		"Predicted warnings (threshold 0.8, segments by sla_rule)",
		"delivery    sla_rule=default  3                0           1                  100.0%     75.0%   3m20s",
		"delivery    sla_rule=default  1                0           3                  100.0%     25.0%   50m0s",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("report --predictions lacks %q:\n%s", line, text)
		}
	}
	if code, out, errs := runCommand(t, "report", "--nats.url", p.url, "--predictions", "--by", "tenant"); code != 2 || !strings.Contains(out+errs, "sla.predict.by") {
		t.Errorf("report --predictions --by tenant: exit %d, %s%s", code, out, errs)
	}
}
