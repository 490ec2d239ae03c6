package pipeline_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestSLAOutcomesCounted checks ordertrack_sla_outcomes_total's source: each
// SLA that ends is counted once by SLA, tenant and outcome, and tenants past
// monitor.tenant_label_limit (1 here) count as other.
func TestSLAOutcomesCounted(t *testing.T) {
	t.Parallel()
	cfg := testConfig() // processing 1h, shipping 2h, delivery 4h
	cfg.Monitor.TenantLabelLimit = 1
	e := setup(t, cfg)
	p := e.start(pipeline.Options{})
	now := time.Now().UTC()
	placed := func(id, tenant string, at time.Time) {
		e.publishRaw(testTopo.EventSubject(id), fmt.Appendf(nil, `{"order_id":%q,"event_type":"ORDER_PLACED","tenant_id":%q,"timestamp":%q}`,
			id, tenant, at.Format(time.RFC3339Nano)))
	}
	placed("OUT-1", "acme", now)
	e.publish(ev{id: "OUT-1", typ: "PROCESSING_STARTED"})
	e.waitIdle() // acme is the first tenant seen
	placed("OUT-2", "zeta", now.Add(-2*time.Hour))
	placed("OUT-3", "acme", now)
	e.publish(ev{id: "OUT-3", typ: "ORDER_CANCELLED"})
	e.waitAlerts("OUT-2", 1)
	want := map[pipeline.OutcomeKey]uint64{
		{SLA: order.SLAProcessing, Tenant: "acme", Outcome: order.OutcomeMet}:                    1,
		{SLA: order.SLAProcessing, Tenant: pipeline.OtherTenant, Outcome: order.OutcomeBreached}: 1,
		{SLA: order.SLAProcessing, Tenant: "acme", Outcome: order.OutcomeCancelled}:              1,
		{SLA: order.SLAShipping, Tenant: "acme", Outcome: order.OutcomeCancelled}:                1,
		{SLA: order.SLADelivery, Tenant: "acme", Outcome: order.OutcomeCancelled}:                1,
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if got := p.Stats().SLAOutcomes(); !maps.Equal(got, want) {
			return fmt.Errorf("outcomes %v, want %v", got, want)
		}
		return nil
	})
}
