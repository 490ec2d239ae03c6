package monitor

import (
	"fmt"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// BenchmarkViewsSet measures what the read model does per change of an
// order (the NATS read and the decoding are not included): its entry
// computed, its old share of the counts, tallies and at-risk heap taken out
// and the new one put in, over 100,000 open orders.
func BenchmarkViewsSet(b *testing.B) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	states := make([]order.State, 100_000)
	for i := range states {
		placed := at.Add(time.Duration(i) * time.Second)
		states[i] = order.State{OrderID: fmt.Sprintf("ORD-%06d", i), Status: order.StageOrder, PlacedAt: &placed,
			TenantID: fmt.Sprintf("t%d", i%50), Breaches: []order.SLA{}}
	}
	v, rules := newViews(), order.DefaultRules()
	for _, s := range states {
		setOrder(v, rules, s.OrderID, s, true, false)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := states[i%len(states)]
		placed := s.PlacedAt.Add(time.Duration(i%7) * time.Hour) // it moves in the heap
		s.PlacedAt = &placed
		setOrder(v, rules, s.OrderID, s, true, false)
	}
}
