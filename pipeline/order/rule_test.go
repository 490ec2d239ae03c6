package order

import (
	"reflect"
	"testing"
	"time"
)

// segRules are testRules with two segment rules.
func segRules() Rules {
	r := testRules
	r.Segments = []Rule{
		{Name: "acme-express", Match: Match{TenantID: "acme", ServiceLevel: "express"}, Processing: 4 * time.Hour, WarnAt: []float64{0.9}},
		{Name: "pants", Match: Match{ItemCategory: "Pants"}, Delivery: 48 * time.Hour, WarnAt: []float64{}},
	}
	r.WarnAt = []float64{0.5}
	return r
}

func TestChooseRule(t *testing.T) {
	r := segRules()
	express := placedEvent(t0)
	express.ServiceLevel = "express"
	other := placedEvent(t0)
	other.TenantID, other.ItemCategory = "globex", "Shirts"
	tests := []struct {
		name   string
		events []Event
		want   string
		terms  Terms
	}{
		{"first match wins", []Event{express}, "acme-express",
			Terms{Rule: "acme-express", Processing: 4 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, WarnAt: []float64{0.9}}},
		{"second rule", []Event{placedEvent(t0)}, "pants",
			Terms{Rule: "pants", Processing: 12 * time.Hour, Shipping: 72 * time.Hour, Delivery: 48 * time.Hour, WarnAt: []float64{}}},
		{"no match is default", []Event{other}, DefaultRule,
			Terms{Rule: DefaultRule, Processing: 12 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, WarnAt: []float64{0.5}}},
		{"not chosen before the fields are known", []Event{bare(ProcessingStarted, hours(1))}, "",
			Terms{Rule: DefaultRule, Processing: 12 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, WarnAt: []float64{0.5}}},
		{"chosen when the fields arrive late", []Event{bare(ProcessingStarted, hours(1)), express}, "acme-express",
			Terms{Rule: "acme-express", Processing: 4 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, WarnAt: []float64{0.9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, r, tt.events...)
			if s.SLARule != tt.want {
				t.Errorf("sla_rule %q, want %q", s.SLARule, tt.want)
			}
			if got := r.Terms(s); !reflect.DeepEqual(got, tt.terms) {
				t.Errorf("Terms = %+v, want %+v", got, tt.terms)
			}
		})
	}
}

func TestRuleKeptAcrossConfigChanges(t *testing.T) {
	r := segRules()
	s := build(t, r, placedEvent(t0)) // pants
	changed := r
	changed.Segments = []Rule{{Name: "all-acme", Match: Match{TenantID: "acme"}, Processing: time.Hour}, r.Segments[1]}
	s, _ = Apply(s, bare(ProcessingStarted, hours(1)), changed, testNow)
	if s.SLARule != "pants" {
		t.Errorf("sla_rule %q after a config change, want pants", s.SLARule)
	}
	if d, _ := changed.Deadline(s, SLADelivery); !d.Equal(hours(48)) {
		t.Errorf("delivery deadline %v, want the pants rule's 48h %v", d, hours(48))
	}
	gone := r
	gone.Segments = nil
	if got := gone.Terms(s); got.Rule != "pants" || got.Delivery != 168*time.Hour {
		t.Errorf("terms of a removed rule = %+v, want the defaults under the name pants", got)
	}
}

// atRiskUpd is the expected SLA_AT_RISK of ORD-1.
func atRiskUpd(sla SLA, th float64, status Stage, at, deadline, emitted time.Time, remaining float64, msg string) wantUpd {
	d := deadline
	return wantUpd{Update: Update{OrderID: "ORD-1", Type: UpdateAtRisk, Status: status, Message: msg,
		SLA: sla, Deadline: &d, Rule: DefaultRule, Threshold: th, RemainingSeconds: remaining, EventTime: at, EmittedAt: emitted,
		CustomerID: "CUST-1", ItemName: "Blue Jeans", TenantID: "acme", Key: string(sla) + ":" + FormatThreshold(th)}}
}

func TestWarnings(t *testing.T) {
	r := testRules
	r.WarnAt = []float64{0.5, 0.75}
	placed := placedEvent(t0)
	h := func(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Hour))) }
	tests := []struct {
		name   string
		events []Event
		checks []time.Time // earlier Checks
		now    time.Time
		want   []wantUpd
	}{
		{name: "before the first warning", events: []Event{placed}, now: h(6).Add(-1)},
		{name: "at 50%", events: []Event{placed}, now: h(6), want: []wantUpd{msgID(atRiskUpd(SLAProcessing, 0.5, StageOrder, h(6), h(12), h(6), 21600,
			"SLA AT RISK: Order ORD-1 has 6h left to be processed (50% of 12h used) - Item: Blue Jeans"), "ORD-1:SLA_AT_RISK:processing:0.5")}},
		{name: "at 75% after 50% was sent", events: []Event{placed}, checks: []time.Time{h(6)}, now: h(9.5),
			want: []wantUpd{msgID(atRiskUpd(SLAProcessing, 0.75, StageOrder, h(9), h(12), h(9.5), 9000,
				"SLA AT RISK: Order ORD-1 has 2h30m left to be processed (79% of 12h used) - Item: Blue Jeans"), "ORD-1:SLA_AT_RISK:processing:0.75")}},
		{name: "first seen past both: both at once", events: []Event{placed}, now: h(10), want: []wantUpd{
			atRiskUpd(SLAProcessing, 0.5, StageOrder, h(6), h(12), h(10), 7200, "SLA AT RISK: Order ORD-1 has 2h left to be processed (83% of 12h used) - Item: Blue Jeans"),
			atRiskUpd(SLAProcessing, 0.75, StageOrder, h(9), h(12), h(10), 7200, "SLA AT RISK: Order ORD-1 has 2h left to be processed (83% of 12h used) - Item: Blue Jeans"),
		}},
		{name: "not after the SLA is met", events: []Event{placed, bare(ProcessingStarted, h(7))}, checks: []time.Time{h(6)}, now: h(9)},
		{name: "not after the breach", events: []Event{placed}, checks: []time.Time{h(12)}, now: h(12.5)},
		{name: "not on a cancelled order", events: []Event{placed, bare(OrderCancelled, h(1))}, now: h(10)},
		{name: "not on a delivered order", events: []Event{placed, bare(ItemDelivered, h(1))}, now: h(100)},
		{name: "shipping from processing", events: []Event{placed, bare(ProcessingStarted, h(2))}, now: h(38), want: []wantUpd{
			atRiskUpd(SLAShipping, 0.5, StageProcessing, h(38), h(74), h(38), 129600, "SLA AT RISK: Order ORD-1 has 36h left to be shipped (50% of 3d used) - Item: Blue Jeans"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, r, tt.events...)
			for _, at := range tt.checks {
				s, _ = Check(s, r, at)
			}
			before := s.Clone()
			s, us := Check(s, r, tt.now)
			checkUpdates(t, us, tt.want)
			for _, w := range tt.want {
				if !s.Warned(w.SLA, w.Threshold) || before.Warned(w.SLA, w.Threshold) {
					t.Errorf("warning %s not recorded once in the state: %+v", w.Key, s.Warnings)
				}
			}
			if _, more := Check(s, r, tt.now); len(more) != 0 {
				t.Errorf("second Check at the same time: %d updates", len(more))
			}
		})
	}
}

func TestPendingWarnings(t *testing.T) {
	r := testRules
	r.WarnAt = []float64{0.5, 0.75}
	r.Grace = 30 * time.Minute
	s := build(t, r, placedEvent(t0))
	want := []Deadline{
		{SLAProcessing, hours(6), 0.5, false}, {SLAProcessing, hours(9), 0.75, false}, {SLAProcessing, hours(12).Add(30 * time.Minute), 0, false},
		{SLADelivery, hours(84), 0.5, false}, {SLADelivery, hours(126), 0.75, false}, {SLADelivery, hours(168).Add(30 * time.Minute), 0, false},
	}
	if got := r.Pending(s); !reflect.DeepEqual(got, want) {
		t.Errorf("Pending = %v, want %v", got, want)
	}
	s, _ = Check(s, r, hours(6))
	if got := r.Pending(s); len(got) != 5 || got[0] != want[1] {
		t.Errorf("Pending after the 50%% warning = %v, want it gone", got)
	}
	// Inside the grace period the 75% warning is missed: it leaves Pending
	// without an output, so its timer is not set again.
	s, us := Check(s, r, hours(12).Add(time.Minute))
	if len(us) != 0 || !s.Warned(SLAProcessing, 0.75) || s.Warnings[1] != (Warning{SLAProcessing, 0.75, true}) {
		t.Errorf("Check in the grace period: %v, warnings %+v", us, s.Warnings)
	}
	if got := r.Pending(s); got[0] != want[2] {
		t.Errorf("Pending in the grace period = %v, want the breach check first", got)
	}
}

func TestWarningUnderCalendar(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	r := DefaultRules()
	r.Processing, r.WarnAt = 4*time.Hour, []float64{0.5}
	r.Calendar = mustCalendar(t, berlin, weekOf(t, "08:00-18:00", weekdays...))
	placed := time.Date(2026, 12, 4, 17, 0, 0, 0, berlin) // Friday
	s := build(t, r, placedEvent(placed))
	warnAt := time.Date(2026, 12, 7, 9, 0, 0, 0, berlin)
	deadline := time.Date(2026, 12, 7, 11, 0, 0, 0, berlin)
	if d, _ := r.Deadline(s, SLAProcessing); !d.Equal(deadline) {
		t.Fatalf("deadline %v, want %v", d, deadline)
	}
	_, us := Check(s, r, warnAt.Add(-time.Nanosecond))
	if len(us) != 0 {
		t.Fatalf("warning before its time: %+v", us)
	}
	_, us = Check(s, r, warnAt)
	checkUpdates(t, us, []wantUpd{atRiskUpd(SLAProcessing, 0.5, StageOrder, warnAt, deadline, warnAt, 7200,
		"SLA AT RISK: Order ORD-1 has 2h of open time left to be processed (50% of 4h used) - Item: Blue Jeans")})
}

// retractUpd is the expected SLA_BREACH_RETRACTED of ORD-1.
func retractUpd(sla SLA, status Stage, met, deadline time.Time, msg string) wantUpd {
	d := deadline
	return wantUpd{Update: Update{OrderID: "ORD-1", Type: UpdateRetracted, Status: status, Message: msg,
		SLA: sla, Deadline: &d, Rule: DefaultRule, EventTime: met, EmittedAt: testNow,
		CustomerID: "CUST-1", ItemName: "Blue Jeans", TenantID: "acme", Key: string(sla)}}
}

func TestGraceAndRetraction(t *testing.T) {
	r := testRules
	placed := placedEvent(t0)
	s := build(t, r, placed)
	s, us := Check(s, r, hours(12))
	if len(us) != 1 || us[0].Type != UpdateBreach {
		t.Fatalf("Check at the deadline: %+v", us)
	}
	s, us = Apply(s, bare(ProcessingStarted, hours(11)), r, testNow)
	checkUpdates(t, us, []wantUpd{
		upd(UpdateProcessing, StageProcessing, "processing", hours(11)),
		msgID(retractUpd(SLAProcessing, StageProcessing, hours(11), hours(12),
			"SLA BREACH RETRACTED: Order ORD-1 was processed at 2024-01-01T21:00:00Z, before its deadline 2024-01-01T22:00:00Z; the event arrived late - Item: Blue Jeans"),
			"ORD-1:SLA_BREACH_RETRACTED:processing"),
	})
	if !reflect.DeepEqual(s.Breaches, []SLA{}) || !reflect.DeepEqual(s.Retracted, []SLA{SLAProcessing}) {
		t.Errorf("breaches %v retracted %v, want [] [processing]", s.Breaches, s.Retracted)
	}
	if _, again := Check(s, r, hours(100)); len(again) != 1 || again[0].SLA != SLAShipping {
		t.Errorf("Check after the retraction: %+v, want only the shipping breach", again)
	}
	for _, p := range r.Pending(s) {
		if p.SLA == SLAProcessing {
			t.Errorf("retracted SLA still pending: %v", p)
		}
	}

	t.Run("a late stage after the deadline retracts nothing", func(t *testing.T) {
		s := build(t, r, placed)
		s, _ = Check(s, r, hours(12))
		_, us := Apply(s, bare(ProcessingStarted, hours(13)), r, testNow)
		if len(us) != 1 || us[0].Type != UpdateProcessing {
			t.Errorf("updates %+v, want only the processing update", us)
		}
	})
	t.Run("arrival clock retracts nothing", func(t *testing.T) {
		a := r
		a.Clock = ClockArrival
		s := build(t, a, placed)
		s, _ = Check(s, a, hours(12))
		e := arrivedAt(bare(ProcessingStarted, hours(11)), hours(13))
		if _, us := Apply(s, e, a, testNow); len(us) != 1 {
			t.Errorf("updates %+v, want only the processing update", us)
		}
	})
	t.Run("grace delays the breach so a late event proves it in time", func(t *testing.T) {
		g := r
		g.Grace = time.Hour
		s := build(t, g, placed)
		if _, us := Check(s, g, hours(12).Add(59*time.Minute)); len(us) != 0 {
			t.Fatalf("breach inside the grace period: %+v", us)
		}
		s, _ = Apply(s, bare(ProcessingStarted, hours(11)), g, testNow)
		if _, us := Check(s, g, hours(13)); len(us) != 0 {
			t.Errorf("breach after the stage was proven in time: %+v", us)
		}
		s = build(t, g, placed)
		_, us := Check(s, g, hours(13))
		checkUpdates(t, us, []wantUpd{breachUpd(SLAProcessing, StageOrder, hours(12), hours(13),
			"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans")})
	})
}

func TestHumanLeft(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{77*time.Hour + 18*time.Minute, "3d5h"}, {72 * time.Hour, "3d"}, {6 * time.Hour, "6h"},
		{2*time.Hour + 30*time.Minute + 20*time.Second, "2h30m"}, {45*time.Minute + 10*time.Second, "45m10s"},
		{59*time.Second + 600*time.Millisecond, "1m"}, {12 * time.Second, "12s"}, {4940 * time.Millisecond, "4.9s"}, {time.Millisecond, "0s"},
	} {
		if got := humanLeft(tt.d); got != tt.want {
			t.Errorf("humanLeft(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
