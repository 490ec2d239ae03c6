package monitor_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// liveWithin is how soon a committed change must show in the views (SPEC:
// the page updates within 2 s).
const liveWithin = 2 * time.Second

// atRiskIs polls /api/at-risk until it lists exactly want (order id and
// deadline, in order), at most within.
func (e *env) atRiskIs(t *testing.T, within time.Duration, what string, want ...monitor.AtRiskOrder) {
	t.Helper()
	start := time.Now()
	pipelinetest.WaitFor(t, within, func() error {
		var ar monitor.AtRisk
		if code := pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=10", "", &ar); code != http.StatusOK {
			return fmt.Errorf("%s: /api/at-risk: %d", what, code)
		}
		if len(ar.Orders) != len(want) {
			return fmt.Errorf("%s: at-risk %+v, want %+v", what, ar.Orders, want)
		}
		for i, w := range want {
			g := ar.Orders[i]
			if g.OrderID != w.OrderID || g.SLA != w.SLA || !g.Deadline.Equal(w.Deadline) || g.Status != w.Status {
				return fmt.Errorf("%s: at-risk %d is %s %s %s due %s, want %s %s %s due %s", what, i, g.OrderID, g.Status, g.SLA,
					g.Deadline.Format(time.RFC3339Nano), w.OrderID, w.Status, w.SLA, w.Deadline.Format(time.RFC3339Nano))
			}
		}
		return nil
	})
	t.Logf("%s: shown after %s", what, time.Since(start).Round(time.Millisecond))
}

// TestReadModelFollowsChanges: the views follow the ORDERS bucket's
// changes, not a periodic scan. Orders placed with deadlines within the
// hour are listed at risk within 2 s, nearest first, with their exact
// deadlines; one that is processed moves to its new place at once (its
// shipping deadline), a delivered and a cancelled one leave the list, and
// the order counts, pending checks and attainment follow exactly.
func TestReadModelFollowsChanges(t *testing.T) {
	t.Parallel()
	e := setup(t,
		withConfig(func(c *config.Config) {
			c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = time.Hour, 2*time.Hour, 3*time.Hour
		}),
		withMonitor(func(o *monitor.Options) { o.StatusEvery = 100 * time.Millisecond }))
	e.atRiskIs(t, pipelinetest.WaitTimeout(), "empty bucket read")

	now := time.Now().Truncate(time.Millisecond)
	placed := map[string]time.Time{"R1": now.Add(-50 * time.Minute), "R2": now.Add(-40 * time.Minute), "R3": now.Add(-30 * time.Minute)}
	for _, id := range []string{"R3", "R1", "R2"} {
		e.publishFull(t, id, "ORDER_PLACED", placed[id], "acme")
	}
	due := func(id string, sla order.SLA, st order.Stage, at time.Time) monitor.AtRiskOrder {
		return monitor.AtRiskOrder{OrderID: id, SLA: sla, Status: st, Deadline: at}
	}
	e.atRiskIs(t, liveWithin, "three placed",
		due("R1", order.SLAProcessing, order.StageOrder, placed["R1"].Add(time.Hour)),
		due("R2", order.SLAProcessing, order.StageOrder, placed["R2"].Add(time.Hour)),
		due("R3", order.SLAProcessing, order.StageOrder, placed["R3"].Add(time.Hour)))

	processed := now.Add(-20 * time.Minute)
	e.publish(t, "R1", "PROCESSING_STARTED", processed)
	e.atRiskIs(t, liveWithin, "R1 processed",
		due("R2", order.SLAProcessing, order.StageOrder, placed["R2"].Add(time.Hour)),
		due("R3", order.SLAProcessing, order.StageOrder, placed["R3"].Add(time.Hour)),
		due("R1", order.SLAShipping, order.StageProcessing, processed.Add(2*time.Hour)))

	e.publish(t, "R2", "ITEM_DELIVERED", now.Add(-10*time.Minute))
	e.publish(t, "R3", "ORDER_CANCELLED", now.Add(-5*time.Minute))
	e.atRiskIs(t, liveWithin, "R2 delivered, R3 cancelled",
		due("R1", order.SLAShipping, order.StageProcessing, processed.Add(2*time.Hour)))

	wantRows := []order.AttainmentRow{
		{Group: "all", SLA: order.SLAProcessing, Orders: 3, Met: 2, Cancelled: 1, OnTimeRate: 1, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLAShipping, Orders: 3, Met: 1, Cancelled: 1, Pending: 1, OnTimeRate: 1, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLADelivery, Orders: 3, Met: 1, Cancelled: 1, Pending: 1, OnTimeRate: 1, CancelRate: 0.3333},
	}
	var a monitor.AttainmentView
	if code := pipelinetest.GetJSON(t, e.base+"/api/attainment?by=sla", "", &a); code != http.StatusOK || !reflect.DeepEqual(a.Rows, wantRows) {
		t.Errorf("/api/attainment?by=sla: %d\n%+v\nwant\n%+v", code, a.Rows, wantRows)
	}
	wantOrders := map[string]uint64{"PROCESSING": 1, "DELIVERED": 1, "CANCELLED": 1}
	wantTimers := map[string]uint64{"processing": 0, "shipping": 1, "delivery": 1}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var st monitor.Status
		if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK {
			return fmt.Errorf("/api/status: %d", code)
		}
		if !reflect.DeepEqual(st.Orders, wantOrders) || !reflect.DeepEqual(st.Timers, wantTimers) {
			return fmt.Errorf("orders %v timers %v, want %v %v", st.Orders, st.Timers, wantOrders, wantTimers)
		}
		return nil
	})
}
