package monitor_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
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
	putFourOrders(t, srv.JS, "C", `not json`)
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

// putFourOrders stores <prefix>1 and <prefix>2 placed, <prefix>3 processing
// and <prefix>4 delivered, all now, in the ORDERS bucket, and under "BAD"
// the value bad unless it is empty.
func putFourOrders(t *testing.T, js jetstream.JetStream, prefix, bad string) {
	t.Helper()
	ctx := context.Background()
	placed := time.Now().UTC().Format(time.RFC3339Nano)
	kv, err := js.KeyValue(ctx, contract.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		prefix + "1": `{"order_id":"` + prefix + `1","status":"ORDER","placed_at":"` + placed + `","breaches":[]}`,
		prefix + "2": `{"order_id":"` + prefix + `2","status":"ORDER","placed_at":"` + placed + `","breaches":[]}`,
		prefix + "3": `{"order_id":"` + prefix + `3","status":"PROCESSING","placed_at":"` + placed + `","processing_at":"` + placed + `","breaches":[]}`,
		prefix + "4": `{"order_id":"` + prefix + `4","status":"DELIVERED","placed_at":"` + placed + `","delivered_at":"` + placed + `","breaches":[]}`,
	}
	if bad != "" {
		values["BAD"] = bad
	}
	for id, v := range values {
		if _, err := kv.Put(ctx, id, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
}
