package monitor_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestLookupsLeaveNoConsumers: 70 lookups of an order's history, 35
// through /api/orders/<id> and 35 through Stories.History, leave the
// account's consumer count exactly where it was, and each reads the whole
// history. A consumer left behind per lookup would reach the account's
// max_consumers under a dashboard with an order open and then refuse the
// API, watch and new instances.
func TestLookupsLeaveNoConsumers(t *testing.T) {
	t.Parallel()
	// No periodic sampling or scans while counting: the count is the
	// lookups' alone.
	e := setup(t, withMonitor(func(o *monitor.Options) { o.StatusEvery, o.NoReadModel = time.Hour, true }))
	e.sendKnown(t)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var v monitor.OrderStory
		if code := pipelinetest.GetJSON(t, e.base+"/api/orders/C", "", &v); code != http.StatusOK {
			return fmt.Errorf("/api/orders/C: %d", code)
		}
		if len(v.History) != 2 {
			return fmt.Errorf("C has %d outputs, want ORDER_CONFIRMED and SLA_BREACH", len(v.History))
		}
		return nil
	})
	ctx := context.Background()
	before := consumers(t, e)
	stories := monitor.Stories{JS: e.js, Topology: testTopo, Rules: e.cfg.Rules()}
	for i := range 35 {
		var v monitor.OrderStory
		if code := pipelinetest.GetJSON(t, e.base+"/api/orders/C", "", &v); code != http.StatusOK || len(v.History) != 2 {
			t.Fatalf("lookup %d: /api/orders/C: %d, %d outputs, want 200 and 2", i, code, len(v.History))
		}
		h, err := stories.History(ctx, "A")
		if err != nil {
			t.Fatalf("lookup %d: history of A: %v", i, err)
		}
		if len(h) != 2 || h[0].Type != order.UpdateConfirmed || h[1].Type != order.UpdateProcessing {
			t.Fatalf("lookup %d: history of A %+v, want ORDER_CONFIRMED, PROCESSING_STARTED", i, h)
		}
	}
	if after := consumers(t, e); after != before {
		t.Errorf("the account has %d consumers after 70 lookups, %d before", after, before)
	}
}

// consumers returns the account's consumer count.
func consumers(t *testing.T, e *env) int {
	t.Helper()
	info, err := e.js.AccountInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Consumers
}

// TestMonitorStopRemovesItsFeed: the monitor's feed of alerts follows
// ORDER_UPDATES with an ordered consumer; a stopped monitor removes it, so
// runs restarted against an external server do not pile them up.
func TestMonitorStopRemovesItsFeed(t *testing.T) {
	t.Parallel()
	cfg := readyCfg()
	srv := pipelinetest.RunJetStream(t)
	if _, err := contract.Provision(context.Background(), srv.JS, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		info, err := srv.JS.AccountInfo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.Consumers
	}
	before := count()
	mon, err := monitor.Start(monitor.Options{Listen: "127.0.0.1:0", Conn: srv.Conn, JS: srv.JS,
		Topology: contract.TopologyOf(cfg), NoReadModel: true, StatusEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := count(); n != before+1 {
			return fmt.Errorf("%d consumers with the monitor running, want %d (its feed)", n, before+1)
		}
		return nil
	})
	if err := mon.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != before {
		t.Errorf("%d consumers after the monitor stopped, %d before it started", n, before)
	}
}
