package order

import (
	"reflect"
	"testing"
	"time"
)

func TestPredictionTally(t *testing.T) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	old := at.Add(-48 * time.Hour)
	sec := func(s float64) Warned { return Warned{Sent: true, Lead: time.Duration(s * float64(time.Second))} }
	none := Warned{}
	placed := func(rule string, breaches ...SLA) State {
		return State{Status: StageOrder, SLARule: rule, PlacedAt: &at, Breaches: breaches}
	}
	shipped := func(rule string, breaches ...SLA) State {
		return State{Status: StageShipped, SLARule: rule, PlacedAt: &at, ProcessingAt: &at, ShippedAt: &at, Breaches: breaches}
	}
	retracted := shipped("express")
	retracted.Retracted = []SLA{SLAProcessing}
	cancelled := State{Status: StageCancelled, SLARule: "express", PlacedAt: &at, CancelledAt: &at, Breaches: []SLA{}}
	tests := []struct {
		name string
		s    State
		w    OrderWarnings
	}{
		// processing/express: warned+breached 3 (leads 4, 2, 10 s), warned+met 1, breached unwarned 1
		{"foretold", placed("express", SLAProcessing), OrderWarnings{Predicted: [3]Warned{sec(4)}, WarnAt: [3]Warned{sec(6)}}},
		{"foretold shorter", placed("express", SLAProcessing), OrderWarnings{Predicted: [3]Warned{sec(2)}}},
		{"foretold longer", placed("express", SLAProcessing), OrderWarnings{Predicted: [3]Warned{sec(10)}, WarnAt: [3]Warned{sec(12)}}},
		{"false alarm", shipped("express"), OrderWarnings{Predicted: [3]Warned{sec(1), sec(7)}, WarnAt: [3]Warned{sec(5)}}},
		{"missed", placed("express", SLAProcessing), OrderWarnings{WarnAt: [3]Warned{sec(3)}}},
		// a retracted breach is met: a false alarm, not a breach foretold
		{"retracted", retracted, OrderWarnings{Predicted: [3]Warned{sec(9)}}},
		// cancelled SLAs and pending ones count nothing
		{"cancelled", cancelled, OrderWarnings{Predicted: [3]Warned{sec(1), sec(1), sec(1)}}},
		// the default rule's segment, shipping breached and foretold
		{"default", shipped("", SLAShipping), OrderWarnings{Predicted: [3]Warned{none, sec(30)}}},
		{"before since", State{Status: StageOrder, SLARule: "express", PlacedAt: &old, Breaches: []SLA{SLAProcessing}}, OrderWarnings{Predicted: [3]Warned{sec(1)}}},
		{"unknown", State{}, OrderWarnings{Predicted: [3]Warned{sec(1)}}},
	}
	tally := NewPredictionTally([]string{SegmentRule}, at.Add(-time.Hour))
	for _, tt := range tests {
		tally.Add(tt.s, tt.w)
	}
	since := at.Add(-time.Hour)
	want := Predictions{Since: &since, By: []string{"sla_rule"}, Rows: []PredictionRow{
		{SLA: SLAProcessing, Segment: "sla_rule=default", WarningScore: WarningScore{}, WarnAt: WarningScore{}},
		{SLA: SLAProcessing, Segment: "sla_rule=express",
			WarningScore: WarningScore{WarnedBreached: 3, WarnedMet: 2, BreachedUnwarned: 1, Precision: 0.6, Recall: 0.75, MedianLeadSeconds: 4},
			WarnAt:       WarningScore{WarnedBreached: 3, WarnedMet: 1, BreachedUnwarned: 1, Precision: 0.75, Recall: 0.75, MedianLeadSeconds: 6}},
		{SLA: SLAShipping, Segment: "sla_rule=default",
			WarningScore: WarningScore{WarnedBreached: 1, Precision: 1, Recall: 1, MedianLeadSeconds: 30},
			WarnAt:       WarningScore{BreachedUnwarned: 1}},
		{SLA: SLAShipping, Segment: "sla_rule=express",
			WarningScore: WarningScore{WarnedMet: 1}, WarnAt: WarningScore{}},
	}, Totals: []PredictionRow{
		{SLA: SLAProcessing, Segment: AllSegments,
			WarningScore: WarningScore{WarnedBreached: 3, WarnedMet: 2, BreachedUnwarned: 1, Precision: 0.6, Recall: 0.75, MedianLeadSeconds: 4},
			WarnAt:       WarningScore{WarnedBreached: 3, WarnedMet: 1, BreachedUnwarned: 1, Precision: 0.75, Recall: 0.75, MedianLeadSeconds: 6}},
		{SLA: SLAShipping, Segment: AllSegments,
			WarningScore: WarningScore{WarnedBreached: 1, WarnedMet: 1, Precision: 0.5, Recall: 1, MedianLeadSeconds: 30},
			WarnAt:       WarningScore{BreachedUnwarned: 1}},
	}}
	if got := tally.Result(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Result:\n%+v\nwant\n%+v", got, want)
	}
}

func TestMedianLead(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		leads []time.Duration
		want  float64
	}{
		{nil, 0},
		{[]time.Duration{1500 * ms}, 1.5},
		{[]time.Duration{4000 * ms, 1000 * ms, 3002 * ms, 2000 * ms}, 2.501},
		{[]time.Duration{5 * time.Second, 1 * time.Second, 9 * time.Second}, 5},
	}
	for _, tt := range tests {
		if got := medianSeconds(tt.leads); got != tt.want {
			t.Errorf("medianSeconds(%v) = %v, want %v", tt.leads, got, tt.want)
		}
	}
}

func TestWarnedNoteKeepsTheFirstWarning(t *testing.T) {
	var w Warned
	for _, lead := range []time.Duration{3 * time.Second, 8 * time.Second, 5 * time.Second} {
		w.Note(lead)
	}
	if w != (Warned{Sent: true, Lead: 8 * time.Second}) {
		t.Errorf("Note: %+v, want sent with lead 8s", w)
	}
}
