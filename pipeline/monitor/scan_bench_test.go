package monitor

import (
	"fmt"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// BenchmarkScanVisit measures what the dashboard adds per order to a read of
// the ORDERS bucket: the counts, four attainment tallies and the at-risk
// heap (the NATS read and the decoding are not included).
func BenchmarkScanVisit(b *testing.B) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	states := make([]order.State, 10_000)
	for i := range states {
		placed := at.Add(time.Duration(i) * time.Second)
		states[i] = order.State{OrderID: fmt.Sprintf("ORD-%06d", i), Status: order.StageOrder, PlacedAt: &placed,
			TenantID: fmt.Sprintf("t%d", i%50), Breaches: []order.SLA{}}
	}
	v := newScanVisit(order.DefaultRules())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v.visit(states[i%len(states)], true)
	}
}
