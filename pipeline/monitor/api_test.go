package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// known are the events every API test sends: A placed (tenant acme) and
// processed, B placed and cancelled, C placed (tenant acme) and never
// processed, so its processing SLA (1s) is breached.
type known struct {
	placedA, placedC time.Time
}

func (e *env) sendKnown(t *testing.T) known {
	t.Helper()
	now := time.Now().Truncate(time.Millisecond)
	k := known{placedA: now.Add(-300 * time.Millisecond), placedC: now.Add(-400 * time.Millisecond)}
	e.publishFull(t, "A", "ORDER_PLACED", k.placedA, "acme")
	e.publish(t, "A", "PROCESSING_STARTED", k.placedA.Add(10*time.Millisecond))
	e.publishFull(t, "B", "ORDER_PLACED", now.Add(-200*time.Millisecond), "")
	e.publish(t, "B", "ORDER_CANCELLED", now.Add(-190*time.Millisecond))
	e.publishFull(t, "C", "ORDER_PLACED", k.placedC, "acme")
	return k
}

func (e *env) publishFull(t *testing.T, id, typ string, at time.Time, tenant string) {
	t.Helper()
	body := fmt.Sprintf(`{"event_id":"%s-%s","order_id":"%s","event_type":"%s","item_name":"Jeans","customer_id":"CUST-%s","tenant_id":"%s","timestamp":"%s"}`,
		id, typ, id, typ, id, tenant, at.UTC().Format(time.RFC3339Nano))
	if _, err := e.js.Publish(context.Background(), testTopo.EventSubject(id), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestAPIStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) { o.StatusEvery = 100 * time.Millisecond }))
	e.sendKnown(t)
	var st monitor.Status
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		st = monitor.Status{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK {
			return fmt.Errorf("/api/status: %d", code)
		}
		want := map[string]uint64{"ORDER": 1, "PROCESSING": 1, "CANCELLED": 1}
		if st.Processed != 5 || st.Breaches["processing"] != 1 || !reflect.DeepEqual(st.Orders, want) ||
			st.Timers["processing"] != 0 || st.Timers["shipping"] != 1 || st.Timers["delivery"] != 2 {
			return fmt.Errorf("status not settled: processed %d (want 5), breaches %v (want processing 1), orders %v (want %v), timers %v (want shipping 1, delivery 2)",
				st.Processed, st.Breaches, st.Orders, want, st.Timers)
		}
		return nil
	})
	if st.Stored != 5 || len(st.Partitions) != 2 || st.Instances == nil {
		t.Errorf("stored %d (want 5), %d partitions (want 2), instances %v (want [])", st.Stored, len(st.Partitions), st.Instances)
	}
	var rates monitor.RateHistory
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		rates = monitor.RateHistory{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/rates", "", &rates); code != http.StatusOK || len(rates.Points) < 2 {
			return fmt.Errorf("/api/rates: %d, %d points, want 2 or more", code, len(rates.Points))
		}
		return nil
	})
	if p := rates.Points; rates.IntervalSeconds != 0.1 || !p[0].At.Before(p[1].At) {
		t.Errorf("/api/rates %+v, want points every 0.1s, oldest first", rates)
	}
}

func TestAPIOrderStory(t *testing.T) {
	t.Parallel()
	e := setup(t)
	k := e.sendKnown(t)
	var v monitor.OrderStory
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		v = monitor.OrderStory{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/orders/C", "", &v); code != http.StatusOK {
			return fmt.Errorf("/api/orders/C: %d", code)
		}
		if len(v.History) < 2 || !v.Order.Breached(order.SLAProcessing) {
			return fmt.Errorf("C not breached yet: %d outputs (want ORDER_CONFIRMED and SLA_BREACH), breaches %v", len(v.History), v.Order.Breaches)
		}
		return nil
	})
	deadline := k.placedC.Add(time.Second)
	if v.Order.OrderID != "C" || v.Order.Status != order.StageOrder || v.Order.TenantID != "acme" || !v.Order.PlacedAt.Equal(k.placedC) {
		t.Errorf("order %+v, want C in ORDER for acme placed %s", v.Order, k.placedC)
	}
	p := v.Deadlines[order.SLAProcessing]
	if p == nil || p.State != "breached" || p.Deadline == nil || !p.Deadline.Equal(deadline) {
		t.Errorf("processing SLA %+v, want breached at %s", p, deadline)
	}
	if s := v.Deadlines[order.SLAShipping]; s == nil || s.State != "not_started" || s.Deadline != nil {
		t.Errorf("shipping SLA %+v, want not_started", s)
	}
	if len(v.History) != 2 || v.History[0].Type != order.UpdateConfirmed || v.History[1].Type != order.UpdateBreach ||
		v.History[1].SLA != order.SLAProcessing || !v.History[1].Deadline.Equal(deadline) {
		t.Errorf("history %+v, want ORDER_CONFIRMED then one SLA_BREACH of processing at %s", v.History, deadline)
	}
	var short monitor.OrderStory
	if code := pipelinetest.GetJSON(t, e.base+"/api/orders/C?history=false", "", &short); code != http.StatusOK || short.History != nil {
		t.Errorf("?history=false: %d, history %v", code, short.History)
	}
	if code := pipelinetest.GetJSON(t, e.base+"/api/orders/NO-SUCH", "", nil); code != http.StatusNotFound {
		t.Errorf("/api/orders/NO-SUCH: %d, want 404", code)
	}
	if code := pipelinetest.GetJSON(t, e.base+"/api/orders/bad%21id", "", nil); code != http.StatusBadRequest {
		t.Errorf("/api/orders/bad!id: %d, want 400", code)
	}
}

func TestAPIAttainment(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.sendKnown(t)
	var bySLA, byTenant monitor.AttainmentView
	want := []order.AttainmentRow{
		{Group: "all", SLA: order.SLAProcessing, Orders: 3, Met: 1, Breached: 1, Cancelled: 1, OnTimeRate: 0.5, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLAShipping, Orders: 3, Cancelled: 1, Pending: 2, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLADelivery, Orders: 3, Cancelled: 1, Pending: 2, CancelRate: 0.3333},
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		bySLA = monitor.AttainmentView{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/attainment?by=sla", "", &bySLA); code != http.StatusOK {
			return fmt.Errorf("/api/attainment?by=sla: %d", code)
		}
		if !reflect.DeepEqual(bySLA.Rows, want) {
			return fmt.Errorf("rows by sla\n%+v\nwant\n%+v", bySLA.Rows, want)
		}
		return nil
	})
	if bySLA.By != order.BySLA || bySLA.ScannedAt.IsZero() {
		t.Errorf("by %q scanned at %s", bySLA.By, bySLA.ScannedAt)
	}
	if code := pipelinetest.GetJSON(t, e.base+"/api/attainment", "", &byTenant); code != http.StatusOK {
		t.Fatalf("/api/attainment: %d", code)
	}
	wantTenant := []order.AttainmentRow{
		{Group: "acme", SLA: order.SLAProcessing, Orders: 2, Met: 1, Breached: 1, OnTimeRate: 0.5},
		{Group: "acme", SLA: order.SLAShipping, Orders: 2, Pending: 2},
		{Group: "acme", SLA: order.SLADelivery, Orders: 2, Pending: 2},
		{Group: "none", SLA: order.SLAProcessing, Orders: 1, Cancelled: 1, CancelRate: 1},
		{Group: "none", SLA: order.SLAShipping, Orders: 1, Cancelled: 1, CancelRate: 1},
		{Group: "none", SLA: order.SLADelivery, Orders: 1, Cancelled: 1, CancelRate: 1},
	}
	if byTenant.By != order.ByTenant || !reflect.DeepEqual(byTenant.Rows, wantTenant) {
		t.Errorf("by tenant (%q)\n%+v\nwant\n%+v", byTenant.By, byTenant.Rows, wantTenant)
	}
	var byRule monitor.AttainmentView
	if code := pipelinetest.GetJSON(t, e.base+"/api/attainment?by=rule", "", &byRule); code != http.StatusOK || len(byRule.Rows) != 3 ||
		byRule.Rows[0].Group != order.DefaultRule || byRule.Rows[0].Orders != 3 || byRule.Rows[0].Breached != 1 {
		t.Errorf("?by=rule: %d %+v, want the 3 orders under %q", code, byRule.Rows, order.DefaultRule)
	}
	if code := pipelinetest.GetJSON(t, e.base+"/api/attainment?by=planet", "", nil); code != http.StatusBadRequest {
		t.Errorf("?by=planet: %d, want 400", code)
	}
}

func TestAPIAtRisk(t *testing.T) {
	t.Parallel()
	e := setup(t)
	k := e.sendKnown(t)
	// Both open orders' next deadline is delivery (1h after placement): C's
	// processing SLA is breached and A's shipping SLA ends 10ms later.
	var ar monitor.AtRisk
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		ar = monitor.AtRisk{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=10", "", &ar); code != http.StatusOK {
			return fmt.Errorf("/api/at-risk: %d", code)
		}
		if len(ar.Orders) != 2 || ar.Orders[0].OrderID != "C" || ar.Orders[0].SLA != order.SLADelivery {
			return fmt.Errorf("at-risk %+v, want C (delivery) then A", ar.Orders)
		}
		return nil
	})
	c, a := ar.Orders[0], ar.Orders[1]
	if !c.Deadline.Equal(k.placedC.Add(time.Hour)) || c.Status != order.StageOrder || c.TenantID != "acme" {
		t.Errorf("C at risk %+v, want delivery due %s", c, k.placedC.Add(time.Hour))
	}
	if a.OrderID != "A" || a.SLA != order.SLADelivery || !a.Deadline.Equal(k.placedA.Add(time.Hour)) || a.Status != order.StageProcessing {
		t.Errorf("A at risk %+v, want delivery due %s", a, k.placedA.Add(time.Hour))
	}
	if left := c.Deadline.Sub(ar.At).Seconds(); c.LeftSeconds != left {
		t.Errorf("left_seconds %v, want deadline - at = %v", c.LeftSeconds, left)
	}
	var one monitor.AtRisk
	if code := pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=1", "", &one); code != http.StatusOK || len(one.Orders) != 1 || one.Orders[0].OrderID != "C" {
		t.Errorf("?limit=1: %d %+v, want C only", code, one.Orders)
	}
	if code := pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=0", "", nil); code != http.StatusBadRequest {
		t.Errorf("?limit=0: %d, want 400", code)
	}
	// A delivered order leaves the list.
	e.publish(t, "A", "ITEM_DELIVERED", k.placedA.Add(20*time.Millisecond))
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		ar = monitor.AtRisk{}
		pipelinetest.GetJSON(t, e.base+"/api/at-risk", "", &ar)
		if len(ar.Orders) != 1 || ar.Orders[0].OrderID != "C" {
			return fmt.Errorf("at-risk %+v, want only C once A is delivered", ar.Orders)
		}
		return nil
	})
}

func TestAPIPageServed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	code, body := pipelinetest.Get(t, e.base+"/")
	if code != http.StatusOK || !strings.Contains(body, `<title>ordertrack dashboard</title>`) ||
		strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("/: %d, want the page with no external URL:\n%.400s", code, body)
	}
	code, script := pipelinetest.Get(t, e.base+"/app.js")
	if code != http.StatusOK || !strings.Contains(script, "new EventSource(") || strings.Contains(script, "http://") || strings.Contains(script, "https://") {
		t.Errorf("/app.js: %d, want the page's script with no external URL:\n%.400s", code, script)
	}
	if code, _ := pipelinetest.Get(t, e.base+"/nothing-here"); code != http.StatusNotFound {
		t.Errorf("/nothing-here: %d, want 404", code)
	}
}

// TestAPIOrderStoryCalendarZone checks that an SLA counted in a calendar
// names the calendar and its zone (a calendar open round the clock, so the
// deadline is still placed + 1s).
func TestAPIOrderStoryCalendarZone(t *testing.T) {
	t.Parallel()
	allDay := map[string]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allDay[d] = "00:00-24:00"
	}
	e := setup(t, withConfig(func(c *config.Config) {
		c.Calendars = map[string]config.Calendar{"berlin-ops": {Timezone: "Europe/Berlin", Hours: allDay}}
		c.SLA.Calendar = "berlin-ops"
	}))
	k := e.sendKnown(t)
	var v monitor.OrderStory
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		v = monitor.OrderStory{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/orders/C?history=false", "", &v); code != http.StatusOK || !v.Order.Breached(order.SLAProcessing) {
			return fmt.Errorf("/api/orders/C: %d, breaches %v (want processing)", code, v.Order.Breaches)
		}
		return nil
	})
	p := v.Deadlines[order.SLAProcessing]
	if p.Calendar != "berlin-ops" || p.Zone != "Europe/Berlin" || !p.Deadline.Equal(k.placedC.Add(time.Second)) {
		t.Errorf("processing SLA %+v, want calendar berlin-ops in Europe/Berlin due %s", p, k.placedC.Add(time.Second))
	}
}
