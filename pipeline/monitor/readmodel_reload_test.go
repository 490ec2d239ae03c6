package monitor_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestPendingTimersAfterAReload: the read model's pending SLA checks per
// SLA agree with what the engine will fire after a reload that gives acme
// orders shorter SLAs (processing 30s, shipping 40s). Before it: A (acme,
// placed a minute ago), B (acme, processing started a minute ago), Z
// (zeta, placed) and D (acme, delivered). An order N placed after the
// reload gets the new terms in both modes. With sla.recompute: new the
// stored deadlines of A, B and Z stay, so nothing of theirs fires early and
// their checks stay pending; with open the recompute rewrites the pending
// deadlines of the open orders, A's processing and B's shipping deadline
// are past and breach at once, and only their later checks remain.
func TestPendingTimersAfterAReload(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		recompute string
		timers    map[string]uint64
		breaches  map[string]uint64
	}{
		{config.RecomputeNew, map[string]uint64{"processing": 3, "shipping": 1, "delivery": 4}, map[string]uint64{"processing": 0, "shipping": 0, "delivery": 0}},
		{config.RecomputeOpen, map[string]uint64{"processing": 2, "shipping": 0, "delivery": 4}, map[string]uint64{"processing": 1, "shipping": 1, "delivery": 0}},
	} {
		t.Run(tt.recompute, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = time.Hour, 2*time.Hour, 3*time.Hour
			cfg.SLA.Recompute = tt.recompute
			cfg.Streaming.Partitions, cfg.Streaming.PinnedTTL = 2, 2*time.Second
			live := config.NewLive(cfg, time.Now())
			rules := func() order.Rules { return live.Config().Rules() }
			e := setup(t,
				withConfig(func(c *config.Config) { *c = cfg }),
				withPipeline(func(o *pipeline.Options) {
					o.LiveRules, o.Instance = rules, pipeline.InstanceInfo{Live: live}
				}),
				withMonitor(func(o *monitor.Options) { o.Rules, o.StatusEvery = rules, 100*time.Millisecond }))
			ago := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
			e.publishFull(t, "A", "ORDER_PLACED", ago, "acme")
			e.publishFull(t, "B", "ORDER_PLACED", ago, "acme")
			e.publish(t, "B", "PROCESSING_STARTED", ago)
			e.publishFull(t, "Z", "ORDER_PLACED", ago, "zeta")
			e.publishFull(t, "D", "ORDER_PLACED", ago, "acme")
			e.publish(t, "D", "ITEM_DELIVERED", ago.Add(time.Second))
			e.statusIs(t, "before the reload", map[string]uint64{"ORDER": 2, "PROCESSING": 1, "DELIVERED": 1},
				map[string]uint64{"processing": 2, "shipping": 1, "delivery": 3}, nil)

			next := cfg
			next.SLA.Rules = []config.Rule{{Name: "acme-fast", Match: config.Match{TenantID: "acme"}, Processing: 30 * time.Second, Shipping: 40 * time.Second}}
			live.Set(next, time.Now())
			e.publishFull(t, "N", "ORDER_PLACED", time.Now(), "acme")
			e.statusIs(t, "after the reload", map[string]uint64{"ORDER": 3, "PROCESSING": 1, "DELIVERED": 1}, tt.timers, tt.breaches)
		})
	}
}

// statusIs polls /api/status until its order counts, pending checks and
// (when given) breaches per SLA are exactly the wanted ones.
func (e *env) statusIs(t *testing.T, what string, orders, timers, breaches map[string]uint64) {
	t.Helper()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var st monitor.Status
		if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK {
			return fmt.Errorf("%s: /api/status: %d", what, code)
		}
		if !reflect.DeepEqual(st.Orders, orders) || !reflect.DeepEqual(st.Timers, timers) || breaches != nil && !reflect.DeepEqual(st.Breaches, breaches) {
			return fmt.Errorf("%s: orders %v timers %v breaches %v, want %v %v %v", what, st.Orders, st.Timers, st.Breaches, orders, timers, breaches)
		}
		return nil
	})
}
