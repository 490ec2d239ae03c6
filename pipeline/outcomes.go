package pipeline

import (
	"sync"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// OtherTenant is the tenant label of tenants past monitor.tenant_label_limit.
const OtherTenant = "other"

// OutcomeKey labels ordertrack_sla_outcomes_total: an SLA, the order's
// tenant and how the SLA ended (SPEC section 11).
type OutcomeKey struct {
	SLA     order.SLA
	Tenant  string
	Outcome order.Outcome
}

// slaOutcomes counts how SLAs end, with at most limit tenants as labels:
// the first limit tenants seen keep their name, later ones count as
// OtherTenant, so the number of series stays bounded.
type slaOutcomes struct {
	mu      sync.Mutex
	limit   int
	counts  map[OutcomeKey]uint64
	tenants map[string]bool
}

// ended is one SLA of one committed order reaching an outcome.
type ended struct {
	order.Ended
	tenant string
}

// endings lists what an order's commit ended; an order without a tenant is
// labelled "none", as attainment groups it.
func endings(g *orderWork) []ended {
	var out []ended
	for _, e := range order.Endings(g.base.state, g.after) {
		out = append(out, ended{e, order.ByTenant.Group(g.after)})
	}
	return out
}

func (o *slaOutcomes) add(es []ended) {
	if len(es) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts, o.tenants = map[OutcomeKey]uint64{}, map[string]bool{}
	}
	for _, e := range es {
		o.counts[OutcomeKey{SLA: e.SLA, Tenant: o.label(e.tenant), Outcome: e.Outcome}]++
	}
}

// label returns the tenant's label.
func (o *slaOutcomes) label(tenant string) string {
	if o.tenants[tenant] {
		return tenant
	}
	if len(o.tenants) < o.limit {
		o.tenants[tenant] = true
		return tenant
	}
	return OtherTenant
}

func (o *slaOutcomes) snapshot() map[OutcomeKey]uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return copyMap(o.counts)
}

func copyMap[K comparable](m map[K]uint64) map[K]uint64 {
	out := make(map[K]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
