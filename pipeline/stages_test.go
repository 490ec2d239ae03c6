package pipeline_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStageDurations sends 12 events through a real pipeline and checks
// ordertrack_stage_seconds' source: every stage counts each event once,
// every stage took some time, and the stages agree with the end-to-end
// latency (stored to outputs stored) measured between the publish and ack
// stages. The trace the benchmark reads sees the same events.
func TestStageDurations(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig()) // SLAs of hours: no timer fires
	p := e.start(pipeline.Options{})
	var mu sync.Mutex
	var traced [len(pipeline.Stages)]int
	p.Stats().TraceStages(func(b pipeline.BatchStages) {
		mu.Lock()
		defer mu.Unlock()
		b.Each(func(stage int, d time.Duration) {
			if d >= 0 {
				traced[stage]++
			}
		})
	})
	const orders = 4
	for i := range orders {
		id := fmt.Sprintf("STG-%d", i)
		e.publish(ev{id: id, typ: "ORDER_PLACED"}, ev{id: id, typ: "PROCESSING_STARTED"}, ev{id: id, typ: "ITEM_SHIPPED"})
	}
	const events = 3 * orders
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := p.Stats().StageDurations()[len(pipeline.Stages)-1].Count; n != events {
			return fmt.Errorf("%d events acked, want %d", n, events)
		}
		return nil
	})
	st := p.Stats().StageDurations()
	var total float64
	for i, h := range st {
		if h.Count != events {
			t.Errorf("stage %s counted %d events, want %d", pipeline.Stages[i], h.Count, events)
		}
		if h.Sum <= 0 {
			t.Errorf("stage %s took %v s in all, want more than 0", pipeline.Stages[i], h.Sum)
		}
		total += h.Sum
	}
	if n := p.Stats().Events.Load(); n != events {
		t.Errorf("events processed %d, want %d", n, events)
	}
	e2e := p.Stats().Latency()[pipeline.SourceEvent]
	if e2e.Count != events {
		t.Fatalf("end-to-end latencies %d, want %d", e2e.Count, events)
	}
	// End-to-end is measured after the outputs are stored and before the
	// acks: between the sum of the first three stages and of all four.
	const eps = 1e-9
	untilStored := st[0].Sum + st[1].Sum + st[2].Sum
	if e2e.Sum < untilStored-eps || e2e.Sum > total+eps {
		t.Errorf("end-to-end %v s is not between stored->outputs stored %v s and stored->acked %v s", e2e.Sum, untilStored, total)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, n := range traced {
		if n != events {
			t.Errorf("trace saw %d events in stage %s, want %d", n, pipeline.Stages[i], events)
		}
	}
}
