package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/order/risk"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// processingKey is the model of the processing SLA of testConfig's orders
// (sla.predict.by [sla_rule]; no rule matches).
const processingKey = "processing/sla_rule=default"

// publishTrained publishes n orders placed an hour ago and processed after
// 10 s (the first half) or 30 s (the second half).
func (e *env) publishTrained(prefix string, n int) {
	e.t.Helper()
	base := time.Now().UTC().Add(-time.Hour)
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		took := 10 * time.Second
		if i >= n/2 {
			took = 30 * time.Second
		}
		e.publish(ev{id: id, typ: "ORDER_PLACED", ts: base.Format(time.RFC3339Nano)},
			ev{id: id, typ: "PROCESSING_STARTED", ts: base.Add(took).Format(time.RFC3339Nano)})
	}
}

// waitModel waits up to within for the model to hold n samples of key.
func waitModel(t *testing.T, name string, p *pipeline.Pipeline, key string, n uint64, within time.Duration) *risk.Curve {
	t.Helper()
	var c *risk.Curve
	pipelinetest.WaitFor(t, within, func() error {
		m := p.Model()
		if m == nil {
			return fmt.Errorf("%s has no model", name)
		}
		if c = m.Curve(key); c == nil || c.Count() != n {
			return fmt.Errorf("%s's model of %s: %v samples, want %d", name, key, c, n)
		}
		return nil
	})
	return c
}

// TestLearnedRiskReachesEveryInstance: two instances split the partitions;
// each learns the samples of the orders it processes, merges them into
// ORDER_RISK, and within 2 s of the last commit both hold every sample
// (exact counts and survival), with far fewer KV writes than samples. A
// new instance, after NATS itself restarted, reads the same model.
func TestLearnedRiskReachesEveryInstance(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	a := pipeline.New(e.js, e.prov, pipeline.Options{Config: e.cfg, Log: testLog(), Instance: pipeline.InstanceInfo{Name: "risk-a"}})
	b := pipeline.New(e.js, e.prov, pipeline.Options{Config: e.cfg, Log: testLog(), Instance: pipeline.InstanceInfo{Name: "risk-b"}})
	stopA := pipelinetest.StartPipeline(t, a, pipelinetest.Named("risk-a"))
	stopB := pipelinetest.StartPipeline(t, b, pipelinetest.Named("risk-b"))
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if na, nb := len(a.Stats().Owned()), len(b.Stats().Owned()); na == 0 || nb == 0 || na+nb != e.cfg.Streaming.Partitions {
			return fmt.Errorf("partitions owned: %d and %d, want both some of %d", na, nb, e.cfg.Streaming.Partitions)
		}
		return nil
	})
	const n = 40
	e.publishTrained("LEARN", n)
	e.waitIdle()
	committed := time.Now()
	for _, x := range []struct {
		name string
		p    *pipeline.Pipeline
	}{{"risk-a", a}, {"risk-b", b}} {
		c := waitModel(t, x.name, x.p, processingKey, n, 2*time.Second-time.Since(committed))
		if s := c.Survival(20 * time.Second); s != 0.5 {
			t.Errorf("%s: S(20s) = %v, want 0.5 (half the orders took 30s)", x.name, s)
		}
		if s := c.Survival(time.Minute); s != 0 {
			t.Errorf("%s: S(1m) = %v, want 0", x.name, s)
		}
		if c := x.p.Model().Curve("shipping/sla_rule=default"); c != nil {
			t.Errorf("%s learned %d shipping samples; no order shipped", x.name, c.Count())
		}
	}
	t.Logf("model in both instances %s after the last commit", time.Since(committed))
	ra, rb := a.Risk(), b.Risk()
	if ra.Samples+rb.Samples != n {
		t.Errorf("samples learned %d + %d, want %d", ra.Samples, rb.Samples, n)
	}
	if w := ra.Writes + rb.Writes; w == 0 || w >= n/2 {
		t.Errorf("KV writes %d + %d for %d samples; want a few merges, not a write per event", ra.Writes, rb.Writes, n)
	}
	t.Logf("KV writes: %d + %d (conflicts %d + %d) for %d samples", ra.Writes, rb.Writes, ra.Conflicts, rb.Conflicts, n)

	// The bucket holds one key for the processing SLA, with every sample.
	kv, err := e.js.KeyValue(context.Background(), contract.RiskBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range keys.Keys() {
		got = append(got, k)
	}
	gen := e.cfg.Rules().ModelGeneration()
	if want := testTopo.RiskKey(gen, processingKey); len(got) != 1 || got[0] != want {
		t.Fatalf("keys of %s: %v, want [%s]", contract.RiskBucket, got, want)
	}
	entry, err := kv.Get(context.Background(), got[0])
	if err != nil {
		t.Fatal(err)
	}
	var h risk.Histogram
	if err := h.UnmarshalBinary(entry.Value()); err != nil || h.Count() != n {
		t.Fatalf("stored histogram: %d samples, %v; want %d", h.Count(), err, n)
	}

	// Restart everything: the model is in JetStream's file store.
	stopA()
	stopB()
	dir := e.srv.Server.StoreDir()
	e.srv.Shutdown()
	e.reopen(pipelinetest.StoreDir(strings.TrimSuffix(dir, "/jetstream")))
	c := e.start(pipeline.Options{Instance: pipeline.InstanceInfo{Name: "risk-c"}})
	waitModel(t, "risk-c", c, processingKey, n, pipelinetest.WaitTimeout())
	if c.Risk().Samples != 0 {
		t.Errorf("the restarted instance learned %d samples from nothing", c.Risk().Samples)
	}
}

// TestLearnedRiskStartsAfreshWithNewSegments: a change of sla.predict.by
// is a new model generation: the new instance's model has none of the
// old samples.
func TestLearnedRiskStartsAfreshWithNewSegments(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	p := e.start(pipeline.Options{})
	e.publishTrained("GEN", 4)
	e.waitIdle()
	waitModel(t, "first", p, processingKey, 4, pipelinetest.WaitTimeout())
	e.stop()
	e.cfg.SLA.Predict.By = []string{order.SegmentTenant}
	q := e.start(pipeline.Options{})
	e.publishTrained("GEN2", 2)
	e.waitIdle()
	waitModel(t, "second", q, "processing/tenant_id=", 2, pipelinetest.WaitTimeout())
	if c := q.Model().Curve(processingKey); c != nil {
		t.Errorf("the new generation holds %d samples of the old segments", c.Count())
	}
}
