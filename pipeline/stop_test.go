package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStopDuringBacklogLeavesNothingForAckWait: a graceful
// stop in the middle of a 10,000-event backlog, then the server stops and
// starts again (as the embedded one does with run): the next pipeline
// takes the rest at once. Nothing delivered to the first may wait for
// ack_wait (30 s here). Before, messages arriving while the subscriptions
// drained were NAKed, and those NAKs were lost with the server's stop.
func TestStopDuringBacklogLeavesNothingForAckWait(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.AckWait = 30 * time.Second
	cfg.Streaming.MaxBatch = 500
	e := setup(t, cfg, pipelinetest.Reconnecting())
	const n = 10000
	var msgs []*nats.Msg
	for i := range n {
		id := fmt.Sprintf("BACKLOG-%05d", i)
		m := nats.NewMsg(testTopo.EventSubject(id))
		m.Data = []byte(`{"order_id":"` + id + `","event_type":"ORDER_PLACED"}`)
		m.Header.Set(jetstream.MsgIDHeader, id)
		msgs = append(msgs, m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pipelinetest.PublishAll(ctx, e.js, msgs); err != nil {
		t.Fatal(err)
	}
	first := e.start(pipeline.Options{})
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		if got := first.Stats().Events.Load(); got < 500 {
			return fmt.Errorf("%d events processed before the stop, want 500", got)
		}
		return nil
	})
	e.stop()
	done := first.Stats().Events.Load()
	e.srv.Restart()
	restarted := time.Now()
	e.start(pipeline.Options{})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), e.idle)
	t.Logf("stopped after %d of %d events; the rest done %v after the restart", done, n, time.Since(restarted).Round(time.Millisecond))
}

// TestStopWhileStartingIsClean: a stop at any moment of the
// start, provisioning just done, returns nil (exit 0), never "context
// canceled".
func TestStopWhileStartingIsClean(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	for _, after := range []time.Duration{0, time.Microsecond, 100 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
		p := pipeline.New(e.js, e.prov, pipeline.Options{Config: e.cfg, Log: testLog(), Instance: pipeline.InstanceInfo{Name: "early"}})
		stop := pipelinetest.StartPipeline(t, p, pipelinetest.Named(fmt.Sprintf("stopped %v after the start", after)), pipelinetest.StopWithin(15*time.Second))
		time.Sleep(after) // the moment of the stop is what is tested, not a wait for an effect
		stop()
	}
}
