package monitor_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestCountOrdersAndAttainment reads four stored orders and one value that
// does not decode: CountOrders counts them by status (the bad one as
// "invalid") and their pending deadlines in one read, and Attainment
// tallies the four, or none placed after a later since.
func TestCountOrdersAndAttainment(t *testing.T) {
	t.Parallel()
	srv, _ := provisioned(t, readyCfg())
	ctx := context.Background()
	placed := time.Now().UTC().Format(time.RFC3339Nano)
	kv, err := srv.JS.KeyValue(ctx, pipeline.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range map[string]string{
		"C1":  `{"order_id":"C1","status":"ORDER","placed_at":"` + placed + `","breaches":[]}`,
		"C2":  `{"order_id":"C2","status":"ORDER","placed_at":"` + placed + `","breaches":[]}`,
		"C3":  `{"order_id":"C3","status":"PROCESSING","placed_at":"` + placed + `","processing_at":"` + placed + `","breaches":[]}`,
		"C4":  `{"order_id":"C4","status":"DELIVERED","placed_at":"` + placed + `","delivered_at":"` + placed + `","breaches":[]}`,
		"BAD": `not json`,
	} {
		if _, err := kv.Put(ctx, id, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	byStatus, timers, err := monitor.CountOrders(ctx, srv.JS, order.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[order.Stage]uint64{order.StageOrder: 2, order.StageProcessing: 1, order.StageDelivered: 1, "invalid": 1}
	if !maps.Equal(byStatus, wantStatus) {
		t.Errorf("by status %v, want %v", byStatus, wantStatus)
	}
	wantTimers := map[order.SLA]uint64{order.SLAProcessing: 2, order.SLAShipping: 1, order.SLADelivery: 3}
	if !maps.Equal(timers, wantTimers) {
		t.Errorf("timers %v, want %v", timers, wantTimers)
	}

	a, err := monitor.Attainment(ctx, srv.JS, order.BySLA, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rows) != len(order.SLAs) {
		t.Fatalf("rows %+v, want one per SLA", a.Rows)
	}
	for _, r := range a.Rows {
		if r.Orders != 4 {
			t.Errorf("row %s: %d orders, want 4", r.SLA, r.Orders)
		}
	}
	later, err := monitor.Attainment(ctx, srv.JS, order.BySLA, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(later.Rows) != 0 {
		t.Errorf("since an hour ahead: rows %+v, want none", later.Rows)
	}
}
