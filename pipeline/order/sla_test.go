package order

import (
	"reflect"
	"testing"
	"time"
)

func TestDefaultRules(t *testing.T) {
	want := Rules{Processing: 24 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, Clock: ClockEvent}
	if got := DefaultRules(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultRules() = %+v, want %+v", got, want)
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3d"},
		{24 * time.Hour, "24h"}, // SPEC's breach message: "not processed within 24h"
		{168 * time.Hour, "7d"},
		{36 * time.Hour, "36h"},
		{12 * time.Hour, "12h"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "90m"},
		{10 * time.Second, "10s"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// arrivedAt returns e stored by JetStream at a.
func arrivedAt(e Event, a time.Time) Event { e.Arrived = a; return e }

func TestRulesDeadline(t *testing.T) {
	frac := t0.Add(123456789 * time.Nanosecond)
	arrival := DefaultRules()
	arrival.Clock = ClockArrival
	tests := []struct {
		name   string
		rules  Rules
		events []Event
		sla    SLA
		want   time.Time // zero: no deadline
	}{
		{"processing from placed", DefaultRules(), []Event{placedEvent(frac)}, SLAProcessing, frac.Add(24 * time.Hour)},
		{"delivery from placed", DefaultRules(), []Event{placedEvent(frac)}, SLADelivery, frac.Add(168 * time.Hour)},
		{"shipping from processing", DefaultRules(), []Event{placedEvent(t0), bare(ProcessingStarted, frac.Add(2*time.Hour))},
			SLAShipping, frac.Add(74 * time.Hour)},
		{"shipping unknown while processing unseen", DefaultRules(), []Event{placedEvent(t0)}, SLAShipping, time.Time{}},
		{"shipping unknown after a skipped processing", DefaultRules(), []Event{placedEvent(t0), bare(ItemShipped, hours(5))},
			SLAShipping, time.Time{}},
		{"shipping known without placed", DefaultRules(), []Event{bare(ProcessingStarted, hours(2))}, SLAShipping, hours(74)},
		{"processing unknown without placed", DefaultRules(), []Event{bare(ProcessingStarted, hours(2))}, SLAProcessing, time.Time{}},
		{"delivery unknown without placed", DefaultRules(), []Event{bare(ItemShipped, hours(2))}, SLADelivery, time.Time{}},
		{"custom duration", testRules, []Event{placedEvent(t0)}, SLAProcessing, hours(12)},
		{"arrival clock: processing", arrival, []Event{arrivedAt(placedEvent(t0), frac.Add(5*time.Hour))},
			SLAProcessing, frac.Add(29 * time.Hour)},
		{"arrival clock: shipping", arrival,
			[]Event{placedEvent(t0), arrivedAt(bare(ProcessingStarted, hours(2)), hours(7))}, SLAShipping, hours(79)},
		{"arrival clock: delivery", arrival, []Event{arrivedAt(placedEvent(t0), hours(1))}, SLADelivery, hours(169)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, tt.rules, tt.events...)
			got, ok := tt.rules.Deadline(s, tt.sla)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("Deadline(%s) = %v, %v; want %v, %v", tt.sla, got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}

func TestRulesPending(t *testing.T) {
	r := DefaultRules()
	arrival := r
	arrival.Clock = ClockArrival
	placed := placedEvent(t0)
	proc := bare(ProcessingStarted, hours(2))
	ship := bare(ItemShipped, hours(10))
	tests := []struct {
		name  string
		rules Rules
		state func(t *testing.T) State
		want  []Deadline
	}{
		{"new order", r, func(t *testing.T) State { return NewState("ORD-1") }, nil},
		{"placed", r, func(t *testing.T) State { return build(t, r, placed) },
			[]Deadline{{SLAProcessing, hours(24), 0, false}, {SLADelivery, hours(168), 0, false}}},
		{"processing", r, func(t *testing.T) State { return build(t, r, placed, proc) },
			[]Deadline{{SLAShipping, hours(74), 0, false}, {SLADelivery, hours(168), 0, false}}},
		{"shipped", r, func(t *testing.T) State { return build(t, r, placed, proc, ship) },
			[]Deadline{{SLADelivery, hours(168), 0, false}}},
		{"shipped without processing", r, func(t *testing.T) State { return build(t, r, placed, ship) },
			[]Deadline{{SLADelivery, hours(168), 0, false}}},
		{"processing without placed", r, func(t *testing.T) State { return build(t, r, proc) },
			[]Deadline{{SLAShipping, hours(74), 0, false}}},
		{"sub-second start", r, func(t *testing.T) State { return build(t, r, placedEvent(t0.Add(time.Millisecond+7))) },
			[]Deadline{{SLAProcessing, t0.Add(24*time.Hour + time.Millisecond + 7), 0, false}, {SLADelivery, t0.Add(168*time.Hour + time.Millisecond + 7), 0, false}}},
		{"delivered", r, func(t *testing.T) State { return build(t, r, placed, proc, ship, bare(ItemDelivered, hours(50))) }, nil},
		{"delivered late", r, func(t *testing.T) State { return build(t, r, placed, bare(ItemDelivered, hours(500))) }, nil},
		{"cancelled", r, func(t *testing.T) State { return build(t, r, placed, bare(OrderCancelled, hours(1))) }, nil},
		{"cancelled while processing", r, func(t *testing.T) State { return build(t, r, placed, proc, bare(OrderCancelled, hours(3))) }, nil},
		{"processing breached by a timer", r, func(t *testing.T) State {
			s, us := Check(build(t, r, placed), r, hours(24))
			if len(us) != 1 {
				t.Fatalf("Check: %d updates, want 1", len(us))
			}
			return s
		}, []Deadline{{SLADelivery, hours(168), 0, false}}},
		{"processing and delivery breached", r, func(t *testing.T) State {
			s, _ := Check(build(t, r, placed), r, hours(168))
			return s
		}, nil},
		{"arrival clock", arrival, func(t *testing.T) State {
			return build(t, arrival, arrivedAt(placed, hours(5)), arrivedAt(proc, hours(6)))
		}, []Deadline{{SLAShipping, hours(78), 0, false}, {SLADelivery, hours(173), 0, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rules.Pending(tt.state(t))
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Pending = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

// TestApplySLABreach covers a stage reached after its deadline: the stage's
// update, then exactly one SLA_BREACH per late SLA.
func TestApplySLABreach(t *testing.T) {
	frac := t0.Add(123456789 * time.Nanosecond)
	placed := placedEvent(t0)
	arrival := testRules
	arrival.Clock = ClockArrival
	tests := []struct {
		name         string
		rules        Rules
		prior        []Event
		event        Event
		wantBreaches []SLA
		want         []wantUpd
	}{
		{
			name: "processing after its deadline", rules: testRules,
			prior: []Event{placedEvent(frac)}, event: bare(ProcessingStarted, hours(13)),
			wantBreaches: []SLA{SLAProcessing},
			want: []wantUpd{
				upd(UpdateProcessing, StageProcessing, "processing", hours(13)),
				msgID(breachUpd(SLAProcessing, StageProcessing, frac.Add(12*time.Hour), testNow,
					"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans"), "ORD-1:SLA_BREACH:processing"),
			},
		},
		{
			name: "processing exactly at its deadline", rules: testRules,
			prior: []Event{placed}, event: bare(ProcessingStarted, hours(12)),
			want: []wantUpd{upd(UpdateProcessing, StageProcessing, "processing", hours(12))},
		},
		{
			name: "shipped after its deadline", rules: testRules,
			prior: []Event{placed, bare(ProcessingStarted, frac.Add(2*time.Hour))}, event: bare(ItemShipped, hours(75)),
			wantBreaches: []SLA{SLAShipping},
			want: []wantUpd{
				upd(UpdateShipped, StageShipped, "shipped", hours(75)),
				breachUpd(SLAShipping, StageShipped, frac.Add(74*time.Hour), testNow,
					"SLA BREACH: Order ORD-1 not shipped within 3d - Item: Blue Jeans"),
			},
		},
		{
			name: "delivered after its deadline", rules: testRules,
			prior: []Event{placed, bare(ProcessingStarted, hours(2)), bare(ItemShipped, hours(10))}, event: bare(ItemDelivered, hours(169)),
			wantBreaches: []SLA{SLADelivery},
			want: []wantUpd{
				upd(UpdateDelivered, StageDelivered, "delivered", hours(169)),
				breachUpd(SLADelivery, StageDelivered, hours(168), testNow,
					"SLA BREACH: Order ORD-1 not delivered within 7d - Item: Blue Jeans"),
			},
		},
		{
			name: "late delivery skipping stages breaches processing and delivery", rules: testRules,
			prior: []Event{placed}, event: bare(ItemDelivered, hours(169)),
			wantBreaches: []SLA{SLAProcessing, SLADelivery},
			want: []wantUpd{
				upd(UpdateDelivered, StageDelivered, "delivered", hours(169), "PROCESSING", "SHIPPED"),
				breachUpd(SLAProcessing, StageDelivered, hours(12), testNow,
					"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans"),
				breachUpd(SLADelivery, StageDelivered, hours(168), testNow,
					"SLA BREACH: Order ORD-1 not delivered within 7d - Item: Blue Jeans"),
			},
		},
		{
			name: "late processing reveals a late shipment", rules: testRules,
			prior: []Event{placed, bare(ItemShipped, hours(90))}, event: bare(ProcessingStarted, hours(13)),
			wantBreaches: []SLA{SLAProcessing, SLAShipping},
			want: []wantUpd{
				late(upd(UpdateProcessing, StageShipped, "processing", hours(13))),
				breachUpd(SLAShipping, StageShipped, hours(85), testNow,
					"SLA BREACH: Order ORD-1 not shipped within 3d - Item: Blue Jeans"),
			},
		},
		{
			name: "already breached SLA is not breached again", rules: testRules,
			prior: []Event{placed, bare(ProcessingStarted, hours(13))}, event: bare(ItemShipped, hours(14)),
			wantBreaches: []SLA{SLAProcessing},
			want:         []wantUpd{upd(UpdateShipped, StageShipped, "shipped", hours(14))},
		},
		{
			name: "breach timed by a Check is not repeated by a late stage", rules: testRules,
			prior: nil, event: bare(ProcessingStarted, hours(13)),
			wantBreaches: []SLA{SLAProcessing},
			want:         []wantUpd{upd(UpdateProcessing, StageProcessing, "processing", hours(13))},
		},
		{
			name: "arrival clock: arrived after the deadline", rules: arrival,
			prior: []Event{placed}, event: arrivedAt(bare(ProcessingStarted, hours(1)), hours(13)),
			wantBreaches: []SLA{SLAProcessing},
			want: []wantUpd{
				upd(UpdateProcessing, StageProcessing, "processing", hours(1)),
				breachUpd(SLAProcessing, StageProcessing, hours(12), testNow,
					"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans"),
			},
		},
		{
			name: "arrival clock: event time late, arrival in time", rules: arrival,
			prior: []Event{placed}, event: arrivedAt(bare(ProcessingStarted, hours(13)), hours(11)),
			want: []wantUpd{upd(UpdateProcessing, StageProcessing, "processing", hours(13))},
		},
		{
			name: "cancelled order: no breach for a late fact", rules: testRules,
			prior: []Event{placed, bare(OrderCancelled, hours(200))}, event: bare(ItemDelivered, hours(199)),
			want: []wantUpd{upd(UpdateRejected, StageCancelled, "rejected-delivered", hours(199), "cancel")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := build(t, tt.rules, tt.prior...)
			if tt.prior == nil { // the breach was reported by a timer first
				var us []Update
				before, us = Check(build(t, tt.rules, placed), tt.rules, hours(12))
				if len(us) != 1 || us[0].SLA != SLAProcessing {
					t.Fatalf("Check: %+v, want one processing breach", us)
				}
			}
			s, updates := Apply(before, tt.event, tt.rules, testNow)
			checkUpdates(t, updates, tt.want)
			if want := append([]SLA{}, tt.wantBreaches...); !reflect.DeepEqual(s.Breaches, want) {
				t.Errorf("breaches %v, want %v", s.Breaches, want)
			}
			// Never again: no later Check reports an SLA already breached.
			_, later := Check(s, tt.rules, hours(10000))
			for _, u := range later {
				if s.Breached(u.SLA) || u.Type != UpdateBreach {
					t.Errorf("later Check reported %s", fmtUpdate(u))
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	r := testRules
	arrival := r
	arrival.Clock = ClockArrival
	half := t0.Add(500 * time.Millisecond)
	placed := placedEvent(t0)
	proc := bare(ProcessingStarted, hours(2))
	ship := bare(ItemShipped, hours(10))
	tests := []struct {
		name   string
		rules  Rules
		events []Event
		now    time.Time
		want   []wantUpd
	}{
		{name: "new order", rules: r, now: hours(10000)},
		{name: "before the deadline", rules: r, events: []Event{placedEvent(half)}, now: half.Add(12*time.Hour - 1)},
		{
			name: "at the deadline", rules: r, events: []Event{placedEvent(half)}, now: half.Add(12 * time.Hour),
			want: []wantUpd{msgID(breachUpd(SLAProcessing, StageOrder, half.Add(12*time.Hour), half.Add(12*time.Hour),
				"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans"), "ORD-1:SLA_BREACH:processing")},
		},
		{
			name: "after two deadlines", rules: r, events: []Event{placed}, now: hours(200),
			want: []wantUpd{
				breachUpd(SLAProcessing, StageOrder, hours(12), hours(200),
					"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans"),
				breachUpd(SLADelivery, StageOrder, hours(168), hours(200),
					"SLA BREACH: Order ORD-1 not delivered within 7d - Item: Blue Jeans"),
			},
		},
		{
			name: "shipping overdue", rules: r, events: []Event{placed, proc}, now: hours(80),
			want: []wantUpd{breachUpd(SLAShipping, StageProcessing, hours(74), hours(80),
				"SLA BREACH: Order ORD-1 not shipped within 3d - Item: Blue Jeans")},
		},
		{name: "shipping due but unknown start", rules: r, events: []Event{placed, bare(ItemShipped, hours(5))}, now: hours(100)},
		{name: "met in time, next deadline not reached", rules: r, events: []Event{placed, proc, ship}, now: hours(167)},
		{
			name: "met in time, delivery due", rules: r, events: []Event{placed, proc, ship}, now: hours(168),
			want: []wantUpd{breachUpd(SLADelivery, StageShipped, hours(168), hours(168),
				"SLA BREACH: Order ORD-1 not delivered within 7d - Item: Blue Jeans")},
		},
		{name: "delivered", rules: r, events: []Event{placed, proc, ship, bare(ItemDelivered, hours(50))}, now: hours(10000)},
		{name: "delivered late", rules: r, events: []Event{placed, bare(ItemDelivered, hours(300))}, now: hours(10000)},
		{name: "cancelled", rules: r, events: []Event{placed, bare(OrderCancelled, hours(1))}, now: hours(10000)},
		{name: "cancelled after the deadline", rules: r, events: []Event{placed, bare(OrderCancelled, hours(20))}, now: hours(10000)},
		{
			name: "breached on apply, not again", rules: r, events: []Event{placed, bare(ProcessingStarted, hours(13))}, now: hours(86),
			want: []wantUpd{breachUpd(SLAShipping, StageProcessing, hours(85), hours(86),
				"SLA BREACH: Order ORD-1 not shipped within 3d - Item: Blue Jeans")},
		},
		{name: "arrival clock: before the deadline", rules: arrival, events: []Event{arrivedAt(placed, hours(5))}, now: hours(16)},
		{
			name: "arrival clock: at the deadline", rules: arrival, events: []Event{arrivedAt(placed, hours(5))}, now: hours(17),
			want: []wantUpd{breachUpd(SLAProcessing, StageOrder, hours(17), hours(17),
				"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans")},
		},
		{
			name: "arrival clock: after the deadline", rules: arrival,
			events: []Event{arrivedAt(placed, hours(5))}, now: hours(18),
			want: []wantUpd{breachUpd(SLAProcessing, StageOrder, hours(17), hours(18),
				"SLA BREACH: Order ORD-1 not processed within 12h - Item: Blue Jeans")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := build(t, tt.rules, tt.events...)
			kept := before.Clone()
			s, updates := Check(before, tt.rules, tt.now)
			if !reflect.DeepEqual(before, kept) {
				t.Errorf("Check modified its input state")
			}
			checkUpdates(t, updates, tt.want)
			if s.Status != before.Status {
				t.Errorf("status %s, want %s: a breach does not change the status", s.Status, before.Status)
			}
			wantBreaches := append([]SLA{}, before.Breaches...)
			for _, w := range tt.want {
				wantBreaches = append(wantBreaches, w.SLA)
			}
			if !reflect.DeepEqual(s.Breaches, wantBreaches) {
				t.Errorf("breaches %v, want %v", s.Breaches, wantBreaches)
			}
			if len(tt.want) == 0 && !reflect.DeepEqual(s, before) {
				t.Errorf("Check without output changed the state")
			}
			if len(tt.want) > 0 && !s.UpdatedAt.Equal(tt.now) {
				t.Errorf("updated_at %v, want %v", s.UpdatedAt, tt.now)
			}
			if again, more := Check(s, tt.rules, tt.now); len(more) != 0 || !reflect.DeepEqual(again, s) {
				t.Errorf("second Check: %+v", more)
			}
		})
	}
}

func TestStateMet(t *testing.T) {
	at := t0
	for _, c := range []struct {
		name string
		s    State
		want map[SLA]bool
	}{
		{"placed", State{PlacedAt: &at}, map[SLA]bool{}},
		{"processing", State{PlacedAt: &at, ProcessingAt: &at}, map[SLA]bool{SLAProcessing: true}},
		{"shipped without processing", State{ShippedAt: &at}, map[SLA]bool{SLAProcessing: true, SLAShipping: true}},
		{"delivered", State{DeliveredAt: &at}, map[SLA]bool{SLAProcessing: true, SLAShipping: true, SLADelivery: true}},
		{"cancelled", State{PlacedAt: &at, CancelledAt: &at}, map[SLA]bool{}},
	} {
		for _, sla := range SLAs {
			if got := c.s.Met(sla); got != c.want[sla] {
				t.Errorf("%s: Met(%s) = %v, want %v", c.name, sla, got, c.want[sla])
			}
		}
	}
}
