package whatif

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func ev(id string, typ order.EventType, at time.Duration) Input {
	ts := t0.Add(at)
	data := fmt.Sprintf(`{"order_id":%q,"event_type":%q,"timestamp":%q,"tenant_id":"acme"}`, id, typ, ts.Format(time.RFC3339Nano))
	return Input{Data: []byte(data), OrderID: id, Stored: ts}
}

func rules(processing time.Duration) order.Rules {
	r := order.DefaultRules()
	r.Processing, r.Shipping, r.Delivery = processing, 1000*time.Hour, 1000*time.Hour
	return r
}

// known is the event set of the tests, in stored order.
func known() []Input {
	return []Input{
		ev("A", order.OrderPlaced, 0), ev("B", order.OrderPlaced, 0), ev("C", order.OrderPlaced, 0), ev("D", order.OrderPlaced, 0),
		ev("B", order.ProcessingStarted, 3*time.Second),
		ev("A", order.ProcessingStarted, 7*time.Second), // in time for 10s, late for 5s
		ev("D", order.OrderCancelled, 8*time.Second),    // a 5s timer fires before the cancel arrives
		{Data: []byte(`{"order_id":"E"`), OrderID: "E", Stored: t0},
	}
}

func replay(t *testing.T, base, next order.Rules, shards int) Result {
	t.Helper()
	o := Options{Base: base, New: next, Now: t0.Add(time.Hour), MaxSkew: time.Minute, Shards: shards}
	r := New(o)
	for _, in := range known() {
		r.Add(in)
	}
	return r.Finish()
}

func TestReplayCountsOutcomesUnderBothConfigs(t *testing.T) {
	for _, shards := range []int{1, 3} {
		res := replay(t, rules(10*time.Second), rules(5*time.Second), shards)
		if res.Events != 8 || res.Invalid != 1 || res.Orders() != 4 {
			t.Fatalf("shards %d: events %d invalid %d orders %d, want 8 1 4", shards, res.Events, res.Invalid, res.Orders())
		}
		rows := res.Rows("")
		want := Row{Group: "all", SLA: order.SLAProcessing,
			Base: Tally{Orders: 4, Met: 2, Breached: 1, OnTimeRate: 0.6667},
			New:  Tally{Orders: 4, Met: 1, Breached: 3, OnTimeRate: 0.25}}
		if len(rows) != 3 || !reflect.DeepEqual(rows[0], want) {
			t.Fatalf("shards %d: rows %+v\nwant first %+v", shards, rows, want)
		}
		if rows[1].SLA != order.SLAShipping || rows[1].Base != rows[1].New || rows[1].Base.Breached != 0 {
			t.Errorf("shipping row %+v: want equal, no breach", rows[1])
		}
		changed := res.Changed(-1)
		wantChanged := []Change{
			{OrderID: "A", SLA: order.SLAProcessing, Base: order.OutcomeMet, New: order.OutcomeBreached},
			{OrderID: "D", SLA: order.SLAProcessing, Base: order.OutcomeCancelled, New: order.OutcomeBreached},
		}
		if !reflect.DeepEqual(changed, wantChanged) {
			t.Errorf("shards %d: changed %+v, want %+v", shards, changed, wantChanged)
		}
		if got := res.Changed(1); len(got) != 1 || got[0].OrderID != "A" {
			t.Errorf("Changed(1) = %+v, want only A", got)
		}
	}
}

func TestReplayGroupsByTenantAndRule(t *testing.T) {
	res := replay(t, rules(10*time.Second), rules(10*time.Second), 2)
	rows := res.Rows(order.ByTenant)
	if len(rows) != 3 || rows[0].Group != "acme" || rows[0].Base != rows[0].New {
		t.Fatalf("by tenant: %+v", rows)
	}
	rows = res.Rows(order.ByRule)
	if len(rows) != 3 || rows[0].Group != "default" || rows[0].SLA != order.SLAProcessing {
		t.Fatalf("by rule: %+v", rows)
	}
	if got := res.Changed(-1); len(got) != 0 {
		t.Errorf("same rules changed %+v", got)
	}
}
