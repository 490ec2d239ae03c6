package pipeline

import (
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// classify matches each input of an order's work to the update it produced. An
// event's update carries its stage as key ("rejected-<stage>" when
// rejected); each check of a fired slot counts
// once: a breach or a warning if it found one.
func classify(g *orderWork) []EventKey {
	used := make([]bool, len(g.updates))
	take := func(match func(order.Update) bool) (order.Update, bool) {
		for i, u := range g.updates {
			if !used[i] && match(u) {
				used[i] = true
				return u, true
			}
		}
		return order.Update{}, false
	}
	var out []EventKey
	for _, e := range g.events {
		stage, _ := e.Type.Stage()
		key := stage.Key()
		k := EventKey{Type: string(e.Type), Outcome: OutcomeDuplicate}
		if u, ok := take(func(u order.Update) bool { return u.SLA == "" && u.Key == key }); ok {
			k.Outcome = OutcomeApplied
			if u.Late {
				k.Outcome = OutcomeLate
			}
		} else if _, ok := take(func(u order.Update) bool { return u.Key == "rejected-"+key }); ok {
			k.Outcome = OutcomeRejected
		}
		out = append(out, k)
	}
	for range g.checks {
		k := EventKey{Type: TypeSLACheck, Outcome: OutcomeMet}
		if _, ok := take(func(u order.Update) bool { return u.Type == order.UpdateBreach }); ok {
			k.Outcome = OutcomeBreach
		} else if _, ok := take(func(u order.Update) bool { return u.Type == order.UpdateAtRisk }); ok {
			k.Outcome = OutcomeWarning
		}
		out = append(out, k)
	}
	return out
}
