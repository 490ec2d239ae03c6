package order

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestApplyInPlaceEqualsApply: random event sequences (every type, out of
// order, repeated, with timers checked between events so that breaches are
// sent, then retracted by late events) give the same states and updates
// through ApplyInPlace, on one state and one reused buffer, as through
// Apply.
func TestApplyInPlaceEqualsApply(t *testing.T) {
	types := []EventType{OrderPlaced, ProcessingStarted, ItemShipped, ItemDelivered, OrderCancelled}
	rules := []Rules{DefaultRules(), DefaultRules()}
	rules[0].Processing, rules[0].Shipping, rules[0].Delivery = 10*time.Second, 20*time.Second, 30*time.Second
	rules[0].WarnAt = []float64{0.5}
	rules[1].Clock = ClockArrival
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	seen := map[UpdateType]int{}
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 2000 {
		r := rules[i%len(rules)]
		want, got := NewState("A"), NewState("A")
		var buf []Update
		at := start
		for j := range 2 + rng.IntN(8) {
			at = at.Add(time.Duration(rng.IntN(40)) * time.Second)
			e := Event{EventID: fmt.Sprintf("e%d", rng.IntN(6)), OrderID: "A", Type: types[rng.IntN(len(types))],
				Timestamp: start.Add(time.Duration(rng.IntN(60)) * time.Second), TenantID: "acme", ItemName: "Blue Jeans", Arrived: at}
			if rng.IntN(2) == 0 {
				want, _ = Check(want, r, at)
				got, _ = Check(got, r, at)
			}
			var us []Update
			want, us = Apply(want, e, r, at)
			buf = ApplyInPlace(&got, e, r, at, buf[:0])
			for _, u := range us {
				seen[u.Type]++
			}
			if len(us) != len(buf) || len(us) > 0 && !reflect.DeepEqual(us, buf) {
				t.Fatalf("sequence %d, event %d %+v: updates %+v, in place %+v", i, j, e, us, buf)
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("sequence %d, event %d %+v: state %+v, in place %+v", i, j, e, want, got)
			}
		}
	}
	for _, typ := range []UpdateType{UpdateConfirmed, UpdateDelivered, UpdateCancelled, UpdateRejected, UpdateBreach, UpdateRetracted} {
		if seen[typ] == 0 {
			t.Errorf("no %s among the updates applied: %v", typ, seen)
		}
	}
}
