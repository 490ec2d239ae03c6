package generator

import (
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestRealisticSegmentsDifferInPace: in time, an express order is processed
// within 15% of its SLA, a standard one within 30%, and the bulky-goods
// warehouse (Outerwear) takes up to 95%; an order matching a rule is paced
// against the rule's SLA (acme express: 4 s, not the default 10 s).
func TestRealisticSegmentsDifferInPace(t *testing.T) {
	rules := shortRules
	rules.Segments = []order.Rule{{Name: "acme-express", Match: order.Match{TenantID: "acme", ServiceLevel: "express"}, Processing: 4 * time.Second}}
	g := newGen(t, Config{Seed: 5, Orders: 6000, Rules: rules})
	placed := map[string]order.Event{}
	longest := map[string]float64{} // longest in-time processing, as a share of the order's SLA, per segment
	seen := map[string]int{}
	for _, e := range drain(g, 0) {
		ev := e.Event
		switch ev.Type {
		case order.OrderPlaced:
			placed[ev.OrderID] = ev
		case order.ProcessingStarted:
			p, ok := placed[ev.OrderID]
			if !ok || e.Duplicate {
				continue
			}
			sla, seg := rules.Processing, "standard"
			switch {
			case p.ItemCategory == slowCategory:
				seg = "bulky"
			case p.ServiceLevel == "express":
				seg = "express"
			}
			if p.TenantID == "acme" && p.ServiceLevel == "express" {
				sla = 4 * time.Second
				if seg == "express" {
					seg = "acme-express"
				}
			}
			share := float64(ev.Timestamp.Sub(p.Timestamp)) / float64(sla)
			if share < 1 {
				longest[seg] = max(longest[seg], share)
				seen[seg]++
			}
		}
	}
	for seg, want := range map[string][2]float64{"standard": {0.25, 0.3}, "express": {0.12, 0.15}, "acme-express": {0.12, 0.15}, "bulky": {0.9, 0.95}} {
		if seen[seg] < 50 || longest[seg] < want[0] || longest[seg] >= want[1] {
			t.Errorf("%s: longest in-time processing %.3f of the SLA over %d orders, want in [%.2f, %.2f)", seg, longest[seg], seen[seg], want[0], want[1])
		}
	}
}
