package order

import (
	"reflect"
	"testing"
	"time"
)

func TestEndings(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	placed := NewState("O")
	placed.Status, placed.PlacedAt = StageOrder, &at
	processing := placed.Clone()
	processing.Status, processing.ProcessingAt = StageProcessing, &at
	breached := placed.Clone()
	breached.Breaches = []SLA{SLAProcessing}
	retracted := processing.Clone()
	retracted.Retracted = []SLA{SLAProcessing}
	cancelled := processing.Clone()
	cancelled.Status, cancelled.CancelledAt = StageCancelled, &at
	for _, tc := range []struct {
		name          string
		before, after State
		want          []Ended
	}{
		{"nothing ends", NewState("O"), placed, nil},
		{"met", placed, processing, []Ended{{SLAProcessing, OutcomeMet}}},
		{"breached", placed, breached, []Ended{{SLAProcessing, OutcomeBreached}}},
		{"retracted", breached, retracted, []Ended{{SLAProcessing, OutcomeRetracted}}},
		{"retracted once", retracted, retracted, nil},
		{"cancelled ends the rest", processing, cancelled, []Ended{{SLAShipping, OutcomeCancelled}, {SLADelivery, OutcomeCancelled}}},
		{"unchanged", processing, processing, nil},
	} {
		if got := Endings(tc.before, tc.after); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Endings = %v, want %v", tc.name, got, tc.want)
		}
	}
}
