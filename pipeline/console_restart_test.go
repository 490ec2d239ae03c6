package pipeline_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// printed collects what a pipeline hands its console (Options.OnUpdates).
type printed struct {
	mu sync.Mutex
	us []order.Update
}

func (p *printed) add(us []order.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.us = append(p.us, us...)
}

// types returns the event types handed over for order id.
func (p *printed) types(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, u := range p.us {
		if u.OrderID == id {
			out = append(out, string(u.Type))
		}
	}
	return out
}

// TestConsoleAfterRestartShowsOnlyThisRun: an order confirmed by one run,
// stopped gracefully, then processed by the next run: the next run's
// console gets PROCESSING_STARTED alone. The order's stored outbox makes
// the next run publish ORDER_CONFIRMED again (within the duplicate window
// the server drops it), and the console printed it a second time.
func TestConsoleAfterRestartShowsOnlyThisRun(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	at := time.Now().UTC().Add(-time.Minute)
	var first, second printed
	e.start(pipeline.Options{OnUpdates: first.add})
	e.publish(ev{id: "RS-1", typ: "ORDER_PLACED", ts: at.Format(time.RFC3339Nano), eventID: "RS-1-placed"})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if got := first.types("RS-1"); !slices.Equal(got, []string{"ORDER_CONFIRMED"}) {
			return fmt.Errorf("first run's console got %v, want [ORDER_CONFIRMED]", got)
		}
		return nil
	})
	e.stop()

	e.start(pipeline.Options{OnUpdates: second.add})
	e.publish(ev{id: "RS-1", typ: "PROCESSING_STARTED", ts: at.Add(time.Second).Format(time.RFC3339Nano), eventID: "RS-1-processing"})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if got := second.types("RS-1"); !slices.Contains(got, "PROCESSING_STARTED") {
			return fmt.Errorf("second run's console got %v, want PROCESSING_STARTED", got)
		}
		return nil
	})
	e.waitIdle()
	if got := second.types("RS-1"); !slices.Equal(got, []string{"PROCESSING_STARTED"}) {
		t.Errorf("second run's console got %v, want [PROCESSING_STARTED]: ORDER_CONFIRMED was stored and printed by the first run", got)
	}
	if got := types(forOrder(e.outputs(), "RS-1")); !slices.Equal(got, []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING"}) {
		t.Errorf("ORDER_UPDATES holds %v for RS-1, want each output once", got)
	}
}
