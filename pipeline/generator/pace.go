package generator

import "github.com/ordertrack/ordertrack/pipeline/order"

// pace is how long an order's processing and shipping take when they are
// in time, as shares of their SLAs, and its delivery as a share of what
// the delivery SLA has left after shipping: uniform in [lo, hi). Segments differ,
// as real warehouses and service levels do, so that a model of how each
// segment moves (sla.predict, SPEC section 17) warns other orders, and at
// other times, than fixed warn_at fractions do.
type pace struct{ lo, hi float64 }

// The paces of the realistic scenario's segments.
var (
	// paceStandard: standard orders are done within 10-30% of an SLA.
	paceStandard = pace{0.1, 0.3}
	// paceExpress: express orders are done within 5-15%.
	paceExpress = pace{0.05, 0.15}
	// paceBulky: the bulky-goods warehouse (item category slowCategory)
	// takes 30-95%: in time, but past every usual warning fraction.
	paceBulky = pace{0.3, 0.95}
)

// slowCategory is the item category handled by the slow bulky-goods
// warehouse.
const slowCategory = "Outerwear"

// paceOf returns the pace of an order's segment: the bulky-goods
// warehouse's for slowCategory whatever the service level, else express or
// standard.
func paceOf(o orderInfo) pace {
	switch {
	case o.item.category == slowCategory:
		return paceBulky
	case o.service == "express":
		return paceExpress
	}
	return paceStandard
}

// orderRules returns the generator's rules with the SLA durations of the
// order's terms: the rule of sla.rules its tenant, category and service
// level match, as the pipeline will choose it.
func (g *Generator) orderRules(o orderInfo) order.Rules {
	s := order.NewState(o.id)
	s.TenantID, s.ItemCategory, s.ServiceLevel = o.customer.tenant, o.item.category, o.service
	s.SLARule = g.cfg.Rules.Choose(s)
	t := g.cfg.Rules.Terms(s)
	r := g.cfg.Rules
	r.Processing, r.Shipping, r.Delivery = t.Processing, t.Shipping, t.Delivery
	return r
}

// longest returns rules with each SLA duration the longest of the defaults
// and of every rule: what bounds the span of any order.
func longest(rules order.Rules) order.Rules {
	for _, x := range rules.Segments {
		rules.Processing = max(rules.Processing, x.Processing)
		rules.Shipping = max(rules.Shipping, x.Shipping)
		rules.Delivery = max(rules.Delivery, x.Delivery)
	}
	return rules
}
