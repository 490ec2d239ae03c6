package pipeline_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestLiveRulesApplyBetweenBatches swaps the SLAs while the pipeline runs:
// an order placed after the swap breaches on the new deadline.
func TestLiveRulesApplyBetweenBatches(t *testing.T) {
	e := setup(t, testConfig())
	var rules atomic.Pointer[order.Rules]
	long := e.cfg.Rules() // processing 1h
	rules.Store(&long)
	e.start(pipeline.Options{LiveRules: func() order.Rules { return *rules.Load() }})
	e.publish(ev{id: "LIVE-1", typ: "ORDER_PLACED"})
	e.waitIdle()

	short := long
	short.Processing = 1200 * time.Millisecond
	rules.Store(&short)
	placed := time.Now().UTC().Truncate(time.Millisecond)
	e.publish(ev{id: "LIVE-2", typ: "ORDER_PLACED", ts: placed.Format(time.RFC3339Nano)})
	got := e.waitAlerts("LIVE-2", 1)
	checkBreach(t, got[0], "LIVE-2", order.SLAProcessing, placed.Add(short.Processing), time.Second)
}
