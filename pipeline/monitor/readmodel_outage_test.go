package monitor_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestReadModelAcrossNATSOutage: while the NATS server is down the read
// model keeps serving its last views (the at-risk list with its exact
// deadlines, attainment; /api/status its last sample, with its time), and
// says since when they are not current (scanned_at stays at the outage's
// start, orders_scan_age_seconds grows);
// once a server is back on the same store and port, an order placed then
// shows in /api/at-risk within 2 s of its commit, and the views are current
// again.
func TestReadModelAcrossNATSOutage(t *testing.T) {
	t.Parallel()
	e := setup(t,
		withConfig(func(c *config.Config) {
			c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = time.Hour, 2*time.Hour, 3*time.Hour
		}),
		withMonitor(func(o *monitor.Options) { o.StatusEvery = 100 * time.Millisecond }))
	now := time.Now().Truncate(time.Millisecond)
	placedA := now.Add(-30 * time.Minute)
	e.publishFull(t, "A", "ORDER_PLACED", placedA, "acme")
	due := func(id string, at time.Time) monitor.AtRiskOrder {
		return monitor.AtRiskOrder{OrderID: id, SLA: order.SLAProcessing, Status: order.StageOrder, Deadline: at.Add(time.Hour)}
	}
	e.atRiskIs(t, liveWithin, "before the outage", due("A", placedA))
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var st monitor.Status
		pipelinetest.GetJSON(t, e.base+"/api/status", "", &st)
		if want := map[string]uint64{"ORDER": 1}; !reflect.DeepEqual(st.Orders, want) {
			return fmt.Errorf("/api/status before the outage: orders %v, want %v", st.Orders, want)
		}
		return nil
	})

	port := e.srv.Server.Addr().(*net.TCPAddr).Port
	dir := strings.TrimSuffix(e.srv.Server.StoreDir(), "/jetstream")
	e.srv.Server.Shutdown()
	e.srv.Server.WaitForShutdown()
	down := time.Now()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if e.nc.Status() == nats.CONNECTED {
			return fmt.Errorf("the client has not seen the server go")
		}
		return nil
	})

	// Down: the last views are served, saying how old they are.
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var ar monitor.AtRisk
		if code := pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=10", "", &ar); code != http.StatusOK {
			return fmt.Errorf("/api/at-risk while NATS is down: %d, want 200 with the last view", code)
		}
		if len(ar.Orders) != 1 || ar.Orders[0].OrderID != "A" || !ar.Orders[0].Deadline.Equal(placedA.Add(time.Hour)) {
			return fmt.Errorf("/api/at-risk while NATS is down: %+v, want A due %s", ar.Orders, placedA.Add(time.Hour))
		}
		if ar.At.Sub(ar.ScannedAt) < 500*time.Millisecond || ar.ScannedAt.After(down.Add(time.Second)) {
			return fmt.Errorf("/api/at-risk at %s while NATS is down says its view was current at %s (NATS went down at %s)",
				ar.At.Format(time.RFC3339Nano), ar.ScannedAt.Format(time.RFC3339Nano), down.Format(time.RFC3339Nano))
		}
		if age := scanAge(t, e.base); age < 0.5 {
			return fmt.Errorf("orders_scan_age_seconds %v while NATS is down, want it growing", age)
		}
		return nil
	})
	var st monitor.Status
	if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK || st.At.After(down) || st.Orders["ORDER"] != 1 {
		t.Errorf("/api/status while NATS is down: %d at %s orders %v, want the last sample (A placed), taken before %s", code, st.At, st.Orders, down)
	}
	var a monitor.AttainmentView
	if code := pipelinetest.GetJSON(t, e.base+"/api/attainment?by=sla", "", &a); code != http.StatusOK || len(a.Rows) != 3 || a.Rows[0].Pending != 1 {
		t.Errorf("/api/attainment while NATS is down: %d %+v, want the last view (A pending)", code, a.Rows)
	}

	// Back: on the same store and port; the changes since show within 2 s.
	e.srv.Server = pipelinetest.RunServer(t, dir, port)
	placedB := time.Now().Truncate(time.Millisecond).Add(-50 * time.Minute)
	msg := nats.NewMsg(testTopo.EventSubject("B"))
	msg.Header.Set(nats.MsgIdHdr, "B-ORDER_PLACED")
	msg.Data = fmt.Appendf(nil, `{"event_id":"B-ORDER_PLACED","order_id":"B","event_type":"ORDER_PLACED","item_name":"Jeans","timestamp":%q}`,
		placedB.UTC().Format(time.RFC3339Nano))
	ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.WaitTimeout())
	defer cancel()
	if err := pipelinetest.PublishAll(ctx, e.js, []*nats.Msg{msg}); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error { // committed by the pipeline, back too
		kvs, err := e.js.KeyValue(ctx, contract.OrdersBucket)
		if err != nil {
			return err
		}
		_, err = kvs.Get(ctx, "B")
		return err
	})
	e.atRiskIs(t, liveWithin, "B placed after the restart", due("B", placedB), due("A", placedA))
	pipelinetest.WaitFor(t, liveWithin, func() error {
		var ar monitor.AtRisk
		pipelinetest.GetJSON(t, e.base+"/api/at-risk?limit=10", "", &ar)
		if ar.ScannedAt.Before(ar.At) {
			return fmt.Errorf("after the restart scanned_at %s is before at %s: not current", ar.ScannedAt, ar.At)
		}
		if age := scanAge(t, e.base); age != 0 {
			return fmt.Errorf("orders_scan_age_seconds %v after the restart, want 0", age)
		}
		var st monitor.Status
		pipelinetest.GetJSON(t, e.base+"/api/status", "", &st)
		if want := map[string]uint64{"ORDER": 2}; !reflect.DeepEqual(st.Orders, want) {
			return fmt.Errorf("/api/status after the restart: orders %v, want %v", st.Orders, want)
		}
		return nil
	})
	// The rest of the status is sampled again once a sample cut by the
	// outage has given up (apiTimeout).
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var st monitor.Status
		pipelinetest.GetJSON(t, e.base+"/api/status", "", &st)
		if !st.At.After(down) {
			return fmt.Errorf("/api/status after the restart: sampled at %s, before the outage", st.At)
		}
		return nil
	})
}

// scanAge is orders_scan_age_seconds on /metrics.
func scanAge(t *testing.T, base string) float64 {
	t.Helper()
	return pipelinetest.MetricValue(scrape(t, base), "ordertrack_orders_scan_age_seconds")
}
