package monitor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestCountsConcurrently: any number of readers count timers, breaches
// and dead letters at once (status, the monitor's scrapes, the dashboard),
// with exact counts; counting consumers on the work-queue ORDER_SLA
// would refuse all but one ("filtered consumer not unique").
func TestCountsConcurrently(t *testing.T) {
	t.Parallel()
	cfg := readyCfg()
	srv, _ := provisioned(t, cfg)
	topo := contract.TopologyOf(cfg)
	ctx := context.Background()
	// Pending deadlines come from the orders' states: T1 and T2 placed
	// (processing and delivery pending), T3 processing (shipping and
	// delivery), T4 delivered (none).
	putFourOrders(t, srv.JS, "T", "")
	const readers = 8
	var wg sync.WaitGroup
	errs := make(chan error, readers*3)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				timers, err := monitor.CountTimers(ctx, srv.JS, order.DefaultRules())
				if err != nil {
					errs <- err
					return
				}
				if timers[order.SLAProcessing] != 2 || timers[order.SLAShipping] != 1 || timers[order.SLADelivery] != 3 {
					t.Errorf("timers %v, want processing 2, shipping 1, delivery 3", timers)
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
