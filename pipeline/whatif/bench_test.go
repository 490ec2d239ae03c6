package whatif

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// lifecycles returns n orders' full lifecycles, an order's events spread
// over the stream as on a real day.
func lifecycles(n int) []Input {
	types := []order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered}
	out := make([]Input, 0, 4*n)
	for step, typ := range types {
		for i := range n {
			id := fmt.Sprintf("ORD-%07d", i)
			at := t0.Add(time.Duration(step)*time.Hour + time.Duration(i)*time.Millisecond)
			data := fmt.Sprintf(`{"event_id":"e-%d-%d","order_id":%q,"customer_id":"CUST-1","event_type":%q,"item_name":"Blue Jeans","item_category":"Pants","quantity":2,"price":79.99,"timestamp":%q,"tenant_id":"acme"}`,
				i, step, id, typ, at.Format(time.RFC3339Nano))
			out = append(out, Input{Data: []byte(data), OrderID: id, Stored: at})
		}
	}
	return out
}

// BenchmarkReplay measures replay speed in events/s (both configurations),
// at the garbage collector setting whatif runs with.
func BenchmarkReplay(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	events := lifecycles(50_000)
	o := Options{Base: rules(2 * time.Hour), New: rules(90 * time.Minute), Now: t0.Add(48 * time.Hour), MaxSkew: time.Minute}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		r := New(o)
		for _, in := range events {
			r.Add(in)
		}
		res := r.Finish()
		_ = res.Rows(order.ByTenant)
	}
	b.ReportMetric(float64(b.N*len(events))/time.Since(start).Seconds(), "events/s")
}

// BenchmarkReplayLines measures whatif --events: the same events read from
// a JSON-lines file in memory.
func BenchmarkReplayLines(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	var file bytes.Buffer
	for _, in := range lifecycles(50_000) {
		file.Write(in.Data)
		file.WriteByte('\n')
	}
	o := Options{Base: rules(2 * time.Hour), New: rules(90 * time.Minute), Now: t0.Add(48 * time.Hour), MaxSkew: time.Minute}
	b.ResetTimer()
	start := time.Now()
	var n int
	for range b.N {
		r := New(o)
		if err := ReadLines(bytes.NewReader(file.Bytes()), r); err != nil {
			b.Fatal(err)
		}
		res := r.Finish()
		n += res.Events
		_ = res.Rows(order.ByTenant)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}
