package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStandbyTakesOver runs two instances against one server: each
// partition is processed by one of them, and when the active one stops
// gracefully the standby takes over its partitions.
func TestStandbyTakesOver(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	first := e.start(pipeline.Options{})
	stopFirst := e.stop

	_, js := pipelinetest.Connect(t, e.srv.URL(), nil)
	prov, err := contract.Provision(context.Background(), js, e.cfg, testLog())
	if err != nil {
		t.Fatal(err)
	}
	second := pipeline.New(js, prov, pipeline.Options{Config: e.cfg, Log: testLog()})
	defer pipelinetest.StartPipeline(t, second)()

	for i := range 200 {
		e.publish(ev{id: fmt.Sprintf("SB-%03d", i), typ: "ORDER_PLACED"})
	}
	e.waitIdle()
	n1, n2 := first.Stats().Events.Load(), second.Stats().Events.Load()
	if n1+n2 != 200 {
		t.Fatalf("instances applied %d + %d events, want 200 in all", n1, n2)
	}
	stopFirst()
	e.stop = nil
	for i := range 200 {
		e.publish(ev{id: fmt.Sprintf("SB-%03d", i), typ: "PROCESSING_STARTED"})
	}
	pipelinetest.WaitFor(t, 20*time.Second, e.idle) // the standby took over every partition
	if got := second.Stats().Events.Load(); got != n2+200 {
		t.Errorf("standby applied %d events after the takeover, want %d", got-n2, 200)
	}
	outs := e.outputs()
	if len(outs) != 400 || len(slices.Compact(sortedMsgIDs(outs))) != 400 {
		t.Errorf("%d outputs, want 400 distinct", len(outs))
	}
}
