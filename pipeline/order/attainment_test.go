package order

import (
	"reflect"
	"testing"
	"time"
)

func TestOutcomeOf(t *testing.T) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		s    State
		want map[SLA]Outcome
	}{
		{"placed only", State{Status: StageOrder, PlacedAt: &at},
			map[SLA]Outcome{SLAProcessing: OutcomePending, SLAShipping: OutcomePending, SLADelivery: OutcomePending}},
		{"processing breached, then processed", State{Status: StageProcessing, PlacedAt: &at, ProcessingAt: &at, Breaches: []SLA{SLAProcessing}},
			map[SLA]Outcome{SLAProcessing: OutcomeBreached, SLAShipping: OutcomePending, SLADelivery: OutcomePending}},
		{"delivered", State{Status: StageDelivered, PlacedAt: &at, ProcessingAt: &at, ShippedAt: &at, DeliveredAt: &at},
			map[SLA]Outcome{SLAProcessing: OutcomeMet, SLAShipping: OutcomeMet, SLADelivery: OutcomeMet}},
		{"cancelled after processing", State{Status: StageCancelled, PlacedAt: &at, ProcessingAt: &at, CancelledAt: &at},
			map[SLA]Outcome{SLAProcessing: OutcomeMet, SLAShipping: OutcomeCancelled, SLADelivery: OutcomeCancelled}},
		{"retracted is met", State{Status: StageProcessing, PlacedAt: &at, ProcessingAt: &at, Retracted: []SLA{SLAProcessing}},
			map[SLA]Outcome{SLAProcessing: OutcomeMet, SLAShipping: OutcomePending, SLADelivery: OutcomePending}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for sla, want := range tt.want {
				if got := OutcomeOf(tt.s, sla); got != want {
					t.Errorf("OutcomeOf(%s) = %s, want %s", sla, got, want)
				}
			}
		})
	}
}

func TestTally(t *testing.T) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	old := at.Add(-48 * time.Hour)
	orders := []State{
		{Status: StageDelivered, TenantID: "acme", PlacedAt: &at, ProcessingAt: &at, ShippedAt: &at, DeliveredAt: &at},
		{Status: StageOrder, TenantID: "acme", PlacedAt: &at, Breaches: []SLA{SLAProcessing}},
		{Status: StageProcessing, TenantID: "acme", PlacedAt: &at, ProcessingAt: &at, Retracted: []SLA{SLAProcessing}},
		{Status: StageCancelled, PlacedAt: &at, CancelledAt: &at},
		{Status: StageOrder, TenantID: "acme", PlacedAt: &old}, // before since: skipped
		{}, // unknown: skipped
	}
	tally := NewTally(ByTenant, at.Add(-time.Hour))
	for _, s := range orders {
		tally.Add(s)
	}
	got := tally.Result()
	since := at.Add(-time.Hour)
	want := Attainment{Since: &since, By: ByTenant, Rows: []AttainmentRow{
		{Group: "acme", SLA: SLAProcessing, Orders: 3, Met: 2, Breached: 1, Retracted: 1, OnTimeRate: 0.6667},
		{Group: "acme", SLA: SLAShipping, Orders: 3, Met: 1, Pending: 2, OnTimeRate: 1},
		{Group: "acme", SLA: SLADelivery, Orders: 3, Met: 1, Pending: 2, OnTimeRate: 1},
		{Group: "none", SLA: SLAProcessing, Orders: 1, Cancelled: 1, CancelRate: 1},
		{Group: "none", SLA: SLAShipping, Orders: 1, Cancelled: 1, CancelRate: 1},
		{Group: "none", SLA: SLADelivery, Orders: 1, Cancelled: 1, CancelRate: 1},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Result() =\n%+v\nwant\n%+v", got, want)
	}
	all := NewTally(BySLA, time.Time{})
	all.Add(orders[4])
	if r := all.Result(); r.Since != nil || len(r.Rows) != 3 || r.Rows[0].Group != "all" || r.Rows[0].Pending != 1 {
		t.Errorf("BySLA Result() = %+v", r)
	}
}

func TestGroupingGroup(t *testing.T) {
	s := State{TenantID: "acme", SLARule: "acme-express", ServiceLevel: "express"}
	var none State
	for _, tt := range []struct {
		g          Grouping
		want, zero string
	}{
		{BySLA, "all", "all"}, {ByTenant, "acme", "none"}, {ByRule, "acme-express", DefaultRule}, {ByServiceLevel, "express", "none"},
	} {
		if got, zero := tt.g.Group(s), tt.g.Group(none); got != tt.want || zero != tt.zero {
			t.Errorf("%s.Group = %q and %q for an order without fields; want %q and %q", tt.g, got, zero, tt.want, tt.zero)
		}
	}
}

func TestNextDeadline(t *testing.T) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	r := Rules{Processing: time.Hour, Shipping: time.Hour, Delivery: 90 * time.Minute, Clock: ClockEvent}
	proc := at.Add(10 * time.Minute)
	tests := []struct {
		name string
		s    State
		want Deadline
		ok   bool
	}{
		{"placed: processing first", State{Status: StageOrder, PlacedAt: &at, Breaches: []SLA{}}, Deadline{SLAProcessing, at.Add(time.Hour), 0, false}, true},
		{"processing breached: delivery next", State{Status: StageOrder, PlacedAt: &at, Breaches: []SLA{SLAProcessing}}, Deadline{SLADelivery, at.Add(90 * time.Minute), 0, false}, true},
		{"processing: shipping before delivery", State{Status: StageProcessing, PlacedAt: &at, ProcessingAt: &proc}, Deadline{SLAShipping, proc.Add(time.Hour), 0, false}, true},
		{"delivered: none", State{Status: StageDelivered, PlacedAt: &at, DeliveredAt: &at}, Deadline{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.NextDeadline(tt.s)
			if ok != tt.ok || !got.At.Equal(tt.want.At) || got.SLA != tt.want.SLA {
				t.Errorf("NextDeadline = %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestTallyTakesMarksBackOut: adding an order's mark and taking it out
// again leaves the tally as it was, its group gone once empty; an order
// that moves (its old mark out, the new one in) counts as the new state
// alone would.
func TestTallyTakesMarksBackOut(t *testing.T) {
	placed := State{OrderID: "ORD-1", Status: StageOrder, PlacedAt: &t0, TenantID: "acme", Breaches: []SLA{}}
	delivered := placed
	delivered.Status, delivered.DeliveredAt, delivered.ProcessingAt, delivered.ShippedAt = StageDelivered, &t0, &t0, &t0
	other := placed
	other.OrderID, other.TenantID = "ORD-2", "beta"

	want := NewTally(ByTenant, time.Time{})
	want.Add(delivered)
	want.Add(other)

	got := NewTally(ByTenant, time.Time{})
	got.Add(other)
	m, ok := got.MarkOf(placed)
	if !ok || m.Group != "acme" || m.Outcomes != [3]Outcome{OutcomePending, OutcomePending, OutcomePending} {
		t.Fatalf("MarkOf(placed) = %+v %v", m, ok)
	}
	got.AddMark(m, 1)
	got.AddMark(m, -1)
	if r := got.Result().Rows; len(r) != 3 || r[0].Group != "beta" {
		t.Fatalf("after taking acme's only order out: %+v", r)
	}
	got.AddMark(m, 1)
	got.AddMark(m, -1)
	next, _ := got.MarkOf(delivered)
	got.AddMark(next, 1)
	if g, w := got.Result(), want.Result(); !reflect.DeepEqual(g, w) {
		t.Errorf("moved: %+v\nwant %+v", g, w)
	}
	if _, ok := got.MarkOf(State{OrderID: "ORD-3"}); ok {
		t.Error("an unknown order has a mark")
	}
}
