package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStoryShowsStoredDeadlines: /api/orders/<id> and Stories.Story (what
// get prints) show the deadlines the pipeline stored, under its terms
// (processing 1s, shipping and delivery 1h), not ones computed from the
// reader's own configuration (here 10s / 20s / 30s, warnings at 50%).
func TestStoryShowsStoredDeadlines(t *testing.T) {
	t.Parallel()
	reader := order.Rules{Processing: 10 * time.Second, Shipping: 20 * time.Second, Delivery: 30 * time.Second,
		Clock: order.ClockEvent, WarnAt: []float64{0.5}}
	e := setup(t, withMonitor(func(o *monitor.Options) { o.Rules = func() order.Rules { return reader } }))
	placed := time.Now().Truncate(time.Millisecond).Add(-300 * time.Millisecond)
	processed := placed.Add(10 * time.Millisecond)
	e.publishFull(t, "D", "ORDER_PLACED", placed, "acme")
	e.publish(t, "D", "PROCESSING_STARTED", processed)
	want := map[order.SLA]time.Time{order.SLAProcessing: placed.Add(time.Second),
		order.SLAShipping: processed.Add(time.Hour), order.SLADelivery: placed.Add(time.Hour)}
	check := func(from string, v monitor.OrderStory) error {
		for sla, at := range want {
			d := v.Deadlines[sla]
			if d == nil || d.Deadline == nil || !d.Deadline.Equal(at) {
				return fmt.Errorf("%s: %s SLA %+v, want the stored deadline %s", from, sla, d, at.UTC().Format(time.RFC3339Nano))
			}
		}
		if w := v.Deadlines[order.SLADelivery].Warnings; len(w) != 1 || !w[0].At.Equal(placed.Add(30*time.Minute)) {
			return fmt.Errorf("%s: delivery warnings %+v, want one at half the stored hour, %s", from, w, placed.Add(30*time.Minute))
		}
		return nil
	}
	var v monitor.OrderStory
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		v = monitor.OrderStory{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/orders/D", "", &v); code != http.StatusOK {
			return fmt.Errorf("/api/orders/D: %d", code)
		}
		if v.Order.Status != order.StageProcessing {
			return fmt.Errorf("D in %s, want PROCESSING", v.Order.Status)
		}
		return nil
	})
	if err := check("/api/orders/D", v); err != nil {
		t.Error(err)
	}
	stories := monitor.Stories{JS: e.js, Topology: testTopo, Rules: reader}
	got, err := stories.Story(context.Background(), "D", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := check("Story", got); err != nil {
		t.Error(err)
	}
	if p := got.Deadlines[order.SLAProcessing]; p.State != "met" {
		t.Errorf("processing %q, want met", p.State)
	}
}
