package monitor

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestViewsFollowChangesExactly: views that followed a random sequence of
// changes (orders placed, advanced, delivered, cancelled, deleted, values
// that do not decode) equal views built at once from the final states:
// counts, pending checks, every grouping's attainment and the at-risk
// order; every entry knows its heap slot.
func TestViewsFollowChangesExactly(t *testing.T) {
	r := order.Rules{Processing: time.Hour, Shipping: 2 * time.Hour, Delivery: 3 * time.Hour, Clock: order.ClockEvent, WarnAt: []float64{0.5}}
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	rnd := rand.New(rand.NewPCG(1, 2))
	type value struct {
		s  order.State
		ok bool
	}
	final := map[string]value{}
	live := newViews()
	for i := range 5000 {
		id := fmt.Sprintf("ORD-%03d", rnd.IntN(300))
		if rnd.IntN(10) == 0 {
			live.set(id, nil)
			delete(final, id)
			continue
		}
		ok := rnd.IntN(50) != 0
		placed := at.Add(time.Duration(rnd.IntN(3600)) * time.Second)
		s := order.State{OrderID: id, Status: order.StageOrder, PlacedAt: &placed, TenantID: []string{"", "acme", "beta"}[rnd.IntN(3)],
			ServiceLevel: []string{"", "express"}[rnd.IntN(2)], Breaches: []order.SLA{}}
		switch rnd.IntN(5) {
		case 1:
			p := placed.Add(time.Duration(i) * time.Millisecond)
			s.Status, s.ProcessingAt = order.StageProcessing, &p
		case 2:
			s.Status, s.DeliveredAt = order.StageDelivered, &placed
		case 3:
			s.Status, s.CancelledAt = order.StageCancelled, &placed
		case 4:
			s.Breaches = []order.SLA{order.SLAProcessing}
		}
		setOrder(live, r, id, s, ok, false)
		final[id] = value{s, ok}
	}
	built := newViews()
	for id, v := range final {
		setOrder(built, r, id, v.s, v.ok, false)
	}
	gotStates, gotTimers := live.counts()
	wantStates, wantTimers := built.counts()
	if !reflect.DeepEqual(gotStates, wantStates) || !reflect.DeepEqual(gotTimers, wantTimers) {
		t.Errorf("counts %v %v, want %v %v", gotStates, gotTimers, wantStates, wantTimers)
	}
	for _, g := range groupings {
		if got, want := live.attainment(g), built.attainment(g); !reflect.DeepEqual(got, want) {
			t.Errorf("attainment by %s\n%+v\nwant\n%+v", g, got, want)
		}
	}
	order := func(v *views) (out []string) {
		for _, slot := range v.atRisk.first(v, len(v.atRisk)) {
			e := v.entries[v.atRisk[slot]]
			out = append(out, fmt.Sprint(e.deadline, e.id))
		}
		return out
	}
	if got, want := order(live), order(built); len(got) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("at-risk order (%d listed) differs from a fresh build (%d)", len(got), len(want))
	}
	for i := 1; i < len(live.atRisk); i++ {
		if live.atRisk.at(live, (i-1)/2) > live.atRisk.at(live, i) {
			t.Fatalf("heap order broken at slot %d", i)
		}
	}
	for id := range final {
		n, ok := live.index.get(live.entries, id)
		if !ok || live.entries[n].id != id {
			t.Fatalf("%s not indexed", id)
		}
		if e := live.entries[n]; e.slot >= 0 && live.atRisk[e.slot] != n {
			t.Fatalf("%s says slot %d, which holds entry %d", id, e.slot, live.atRisk[e.slot])
		}
	}
	if n := live.len(); n != len(final) {
		t.Errorf("%d orders indexed, want %d", n, len(final))
	}
}

// TestOrderIndex: 20,000 ids put (the index grows five times), every
// other one removed, some put again: each id finds its own entry, removed
// ones none.
func TestOrderIndex(t *testing.T) {
	var x orderIndex
	var entries []entry
	for i := range 20_000 {
		entries = append(entries, entry{id: fmt.Sprintf("ORD-%d", i)})
		x.put(entries, uint32(i))
	}
	for i := 0; i < len(entries); i += 2 {
		x.remove(entries, entries[i].id)
	}
	for i := 0; i < len(entries); i += 4 {
		x.put(entries, uint32(i))
	}
	for i, e := range entries {
		n, ok := x.get(entries, e.id)
		want := i%2 == 1 || i%4 == 0
		if ok != want || (ok && n != uint32(i)) {
			t.Fatalf("get(%s) = %d %v, want %d %v", e.id, n, ok, i, want)
		}
	}
	if want := 10_000 + 5_000; x.n != want {
		t.Errorf("n %d, want %d", x.n, want)
	}
	if _, ok := x.get(entries, "ORD-X"); ok {
		t.Error("found an id never put")
	}
}
