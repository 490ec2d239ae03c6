package pipeline

import (
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestNewTimers checks which check instants a batch sets timers for, to the
// nanosecond: only new ones (nothing is ever cancelled), all of them for an
// order read from KV or cached under rules since reloaded, and after a
// fired slot
// none of the instants it consumed, except one a server clock ahead of ours
// fired early.
func TestNewTimers(t *testing.T) {
	rules := order.Rules{Processing: time.Hour, Shipping: 2 * time.Hour, Delivery: 4 * time.Hour, Clock: order.ClockEvent}
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 123456789, time.UTC)
	apply := func(s order.State, typ order.EventType, at time.Time) order.State {
		s, _ = order.Apply(s, order.Event{OrderID: "A", EventID: string(typ), Type: typ, Timestamp: at}, rules, at)
		return s
	}
	fresh := order.NewState("A")
	placed := apply(fresh, order.OrderPlaced, t0)
	processing := apply(placed, order.ProcessingStarted, t0.Add(time.Minute))
	proc := order.Deadline{SLA: order.SLAProcessing, At: t0.Add(time.Hour)}
	deliv := order.Deadline{SLA: order.SLADelivery, At: t0.Add(4 * time.Hour)}
	ship := order.Deadline{SLA: order.SLAShipping, At: t0.Add(time.Minute + 2*time.Hour)}
	breached, _ := order.Check(placed, rules, proc.At.Add(time.Second))
	for _, c := range []struct {
		name    string
		base    cached
		after   order.State
		checks  int
		checkAt time.Time
		now     time.Time
		want    []order.Deadline
	}{
		{name: "placed: processing and delivery", base: cached{state: fresh}, after: placed, now: t0, want: []order.Deadline{proc, deliv}},
		{name: "processing started: shipping only, nothing cancelled", base: cached{state: placed, timersGen: 2}, after: processing, now: t0, want: []order.Deadline{ship}},
		{name: "read from KV (restart, takeover, crash before the timers were set): all again", base: cached{state: placed, timersGen: 0},
			after: processing, now: t0, want: []order.Deadline{ship, deliv}},
		{name: "cached under rules since reloaded: all again", base: cached{state: placed, timersGen: 1},
			after: processing, now: t0, want: []order.Deadline{ship, deliv}},
		{name: "no change", base: cached{state: processing, timersGen: 2}, after: processing, now: t0},
		{name: "fired slot breached processing: delivery already set", base: cached{state: placed, timersGen: 2}, after: breached,
			checks: 1, checkAt: proc.At, now: proc.At.Add(time.Second)},
		{name: "fired slot 50ms before our clock reaches it: set again", base: cached{state: placed, timersGen: 2}, after: placed,
			checks: 1, checkAt: proc.At, now: proc.At.Add(-50 * time.Millisecond), want: []order.Deadline{proc}},
		{name: "fired slot of a met SLA: nothing", base: cached{state: processing, timersGen: 2}, after: processing,
			checks: 1, checkAt: proc.At, now: proc.At.Add(time.Second)},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &orderWork{id: "A", base: c.base, after: c.after, checks: c.checks, checkAt: c.checkAt}
			if got := newTimers(rules, 2, c.now, g); !reflect.DeepEqual(got, c.want) {
				t.Errorf("newTimers = %v, want %v", got, c.want)
			}
		})
	}
}
