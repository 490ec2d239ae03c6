package monitor_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestCountsConcurrently: any number of readers count timers, breaches
// and dead letters at once (status, the monitor's scrapes, the dashboard),
// with exact counts; counting consumers on the work-queue ORDER_SLA
// refused all but one ("filtered consumer not unique", issue 11.3).
func TestCountsConcurrently(t *testing.T) {
	t.Parallel()
	cfg := readyCfg()
	srv, _ := provisioned(t, cfg)
	topo := pipeline.TopologyOf(cfg)
	ctx := context.Background()
	// Two processing timers and one delivery timer, far in the future.
	at := time.Now().Add(time.Hour)
	for _, tm := range []struct {
		id  string
		sla order.SLA
	}{{"T1", order.SLAProcessing}, {"T2", order.SLAProcessing}, {"T1", order.SLADelivery}} {
		m := pipeline.ScheduleMsg(topo, tm.id, order.Deadline{SLA: tm.sla, At: at})
		if _, err := srv.JS.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	const readers = 8
	var wg sync.WaitGroup
	errs := make(chan error, readers*3)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				timers, err := monitor.CountTimers(ctx, srv.JS, topo)
				if err != nil {
					errs <- err
					return
				}
				if timers[order.SLAProcessing] != 2 || timers[order.SLADelivery] != 1 || timers[order.SLAShipping] != 0 {
					t.Errorf("timers %v, want processing 2, delivery 1", timers)
				}
				if _, err := monitor.CountBreaches(ctx, srv.JS, topo); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
