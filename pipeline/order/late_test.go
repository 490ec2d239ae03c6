package order

import (
	"testing"
	"time"
)

// TestLateEventMessageKeepsCase pins the exact message of a late event: the
// step's wording starts lower-case after "Late event: ", the item name and
// the stage keep their case (SPEC 4).
func TestLateEventMessageKeepsCase(t *testing.T) {
	placed := placedEvent(t0)
	placed.ItemName, placed.Quantity = "Oxford Button-Down", 3
	tests := []struct {
		name  string
		prior []Event
		event Event
		want  string
	}{
		{"placed after processing", []Event{bare(ProcessingStarted, hours(2))}, placed,
			"Late event: order placed for Oxford Button-Down (qty 3) recorded after PROCESSING"},
		{"processing after shipped", []Event{placed, bare(ItemShipped, hours(10))}, bare(ProcessingStarted, hours(2)),
			"Late event: processing started for Oxford Button-Down recorded after SHIPPED"},
		{"shipped after delivered", []Event{placed, bare(ItemDelivered, hours(20))}, bare(ItemShipped, hours(10)),
			"Late event: item shipped: Oxford Button-Down recorded after DELIVERED"},
		{"before the cancellation", []Event{placed, bare(OrderCancelled, hours(20))}, bare(ProcessingStarted, hours(13)),
			"Late event: processing started for Oxford Button-Down recorded after CANCELLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ups := Apply(build(t, testRules, tt.prior...), tt.event, testRules, testNow)
			// A late stage may also retract a breach it proves wrong (shipped
			// at 10h retracts the processing breach of a delivery at 20h).
			if len(ups) == 0 || !ups[0].Late || ups[0].Message != tt.want || len(ups) > 1 && ups[1].Type != UpdateRetracted {
				t.Fatalf("updates %+v, want one late update %q", ups, tt.want)
			}
		})
	}
}

// TestStageAtTheCancellationIsRejected checks the boundary of SPEC 4: a
// stage applied after the cancellation is a late fact only when its time is
// strictly before the cancellation's; at the same instant (to the
// nanosecond) or later it is rejected.
func TestStageAtTheCancellationIsRejected(t *testing.T) {
	cancelAt := hours(20).Add(123456789)
	tests := []struct {
		name     string
		at       time.Time
		accepted bool
	}{
		{"one nanosecond before", cancelAt.Add(-1), true},
		{"same instant", cancelAt, false},
		{"one nanosecond after", cancelAt.Add(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := build(t, testRules, placedEvent(t0), bare(OrderCancelled, cancelAt))
			got, ups := Apply(before, bare(ItemShipped, tt.at), testRules, testNow)
			if len(ups) != 1 {
				t.Fatalf("%d updates, want 1: %+v", len(ups), ups)
			}
			if got.Status != StageCancelled {
				t.Errorf("status %s, want CANCELLED", got.Status)
			}
			recorded := got.At(StageShipped) != nil
			if tt.accepted {
				if ups[0].Type != UpdateShipped || !ups[0].Late || !recorded {
					t.Errorf("update %s late=%v, shipped recorded %v; want a late ITEM_SHIPPED", ups[0].Type, ups[0].Late, recorded)
				}
				return
			}
			want := "Event rejected: ITEM_SHIPPED (cannot apply SHIPPED: order already cancelled)"
			if ups[0].Type != UpdateRejected || ups[0].Message != want || recorded {
				t.Errorf("update %s %q, shipped recorded %v; want EVENT_REJECTED %q", ups[0].Type, ups[0].Message, recorded, want)
			}
		})
	}
}

// TestStepMessagesExact pins the exact message of every other lifecycle
// step: placed with and without a quantity, a stage jumped to (naming the
// stages not seen), a cancellation from nothing and from a status, and a
// rejection.
func TestStepMessagesExact(t *testing.T) {
	placed := placedEvent(t0)
	placed.ItemName, placed.Quantity = "Oxford Button-Down", 3
	noQty := placed
	noQty.Quantity = 0
	tests := []struct {
		name  string
		prior []Event
		event Event
		want  string
	}{
		{"placed", nil, placed, "Order placed for Oxford Button-Down (qty 3)"},
		{"placed without quantity", nil, noQty, "Order placed for Oxford Button-Down"},
		{"processing", []Event{placed}, bare(ProcessingStarted, hours(1)), "Processing started for Oxford Button-Down"},
		{"shipped, processing not seen", []Event{placed}, bare(ItemShipped, hours(2)),
			"Item shipped: Oxford Button-Down (stage not seen: PROCESSING)"},
		{"delivered from nothing", nil, bare(ItemDelivered, hours(3)),
			"Item delivered: unknown (stage not seen: ORDER, PROCESSING, SHIPPED)"},
		{"cancelled from nothing", nil, bare(OrderCancelled, hours(1)), "Order cancelled: unknown (was NEW)"},
		{"cancelled while processing", []Event{placed, bare(ProcessingStarted, hours(1))}, bare(OrderCancelled, hours(2)),
			"Order cancelled: Oxford Button-Down (was PROCESSING)"},
		{"rejected", []Event{placed, bare(ItemDelivered, hours(3))}, bare(OrderCancelled, hours(4)),
			"Event rejected: ORDER_CANCELLED (cannot cancel: order already delivered)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ups := Apply(build(t, testRules, tt.prior...), tt.event, testRules, testNow)
			if len(ups) == 0 || ups[0].Message != tt.want {
				t.Fatalf("updates %+v, want first message %q", ups, tt.want)
			}
		})
	}
}
