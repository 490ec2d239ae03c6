package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestRecomputeOpenOrders reloads the SLA terms with sla.recompute: open: an
// open order of tenant acme moves to the new acme rule (processing 3s), so
// its deadline, already past, breaches at once, exactly once; an open zeta
// order keeps the default 1h and is not breached; a delivered acme order is
// left alone. Each owned partition records the terms it was recomputed
// under.
func TestRecomputeOpenOrders(t *testing.T) {
	t.Parallel()
	cfg := testConfig() // processing 1h
	cfg.SLA.Recompute = config.RecomputeOpen
	live := config.NewLive(cfg, time.Now())
	e := setup(t, cfg)
	e.start(pipeline.Options{
		LiveRules: func() order.Rules { return live.Config().Rules() },
		Instance:  pipeline.InstanceInfo{Live: live},
	})
	placed := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Millisecond)
	for _, o := range []struct{ id, tenant string }{{"RC-ACME", "acme"}, {"RC-ZETA", "zeta"}, {"RC-DONE", "acme"}} {
		e.publishRaw(testTopo.EventSubject(o.id), fmt.Appendf(nil, `{"order_id":%q,"event_type":"ORDER_PLACED","tenant_id":%q,"item_name":"Blue Jeans","timestamp":%q}`,
			o.id, o.tenant, placed.Format(time.RFC3339Nano)))
	}
	e.publish(ev{id: "RC-DONE", typ: "ITEM_DELIVERED", ts: placed.Add(time.Second).Format(time.RFC3339Nano)})
	e.waitIdle()
	if s, _ := e.state("RC-ACME"); s.SLARule != order.DefaultRule {
		t.Fatalf("before the reload RC-ACME has rule %q, want default", s.SLARule)
	}

	next := cfg
	next.SLA.Rules = []config.Rule{{Name: "acme-fast", Match: config.Match{TenantID: "acme"}, Processing: 3 * time.Second}}
	live.Set(next, time.Now())
	got := e.waitAlerts("RC-ACME", 1)
	checkBreach(t, got[0], "RC-ACME", order.SLAProcessing, placed.Add(3*time.Second), time.Minute)
	if got[0].Rule != "acme-fast" {
		t.Errorf("breach under rule %q, want acme-fast", got[0].Rule)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		for part := range cfg.Streaming.Partitions {
			v, err := e.instancesKey(testTopo.RecomputeKey(part))
			if err != nil || v == "" {
				return fmt.Errorf("partition %d: no recompute recorded (%v)", part, err)
			}
		}
		return nil
	})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		ins, err := ownership.ReadInstances(context.Background(), e.js, "orders")
		if err != nil || len(ins) != 1 || ins[0].Recompute == nil {
			return fmt.Errorf("no recompute progress in the heartbeat: %+v (%v)", ins, err)
		}
		if rp := ins[0].Recompute; rp.Listed != 2 || rp.Total != 2 {
			return fmt.Errorf("recompute progress %+v, want 2 of 2 open orders listed", rp)
		}
		return nil
	})
	e.waitIdle()
	for id, rule := range map[string]string{"RC-ACME": "acme-fast", "RC-ZETA": order.DefaultRule, "RC-DONE": order.DefaultRule} {
		if s, _ := e.state(id); s.SLARule != rule {
			t.Errorf("%s: rule %q after the recompute, want %q", id, s.SLARule, rule)
		}
	}
	if n := len(alerts(e.outputs(), "RC-ACME")); n != 1 {
		t.Errorf("RC-ACME has %d breaches, want 1", n)
	}
	if n := len(alerts(e.outputs(), "RC-ZETA")) + len(alerts(e.outputs(), "RC-DONE")); n != 0 {
		t.Errorf("%d breaches of orders the new rule does not cover", n)
	}
}

// instancesKey reads a key of the ORDERTRACK_INSTANCES bucket.
func (e *env) instancesKey(key string) (string, error) {
	kv, err := e.js.KeyValue(context.Background(), contract.InstancesBucket)
	if err != nil {
		return "", err
	}
	v, err := kv.Get(context.Background(), key)
	if err != nil {
		return "", err
	}
	return string(v.Value()), nil
}
