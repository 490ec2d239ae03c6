package order

import "slices"

// Rechoose chooses an open order's rule again under r and recomputes the
// deadlines of its pending SLAs under the rule's terms (sla.recompute:
// open); its warning times and predicted checks follow them. An order whose rule was never
// chosen, or that is closed, is returned as it is. A met, breached or
// retracted SLA keeps its stored deadline, and breaches, retractions and
// warnings already recorded stay: a recompute never un-breaches an SLA,
// judges a met one again nor sends a warning twice. The input state is not
// modified.
func Rechoose(s State, r Rules) State {
	if s.SLARule == "" || s.Closed() {
		return s
	}
	s.SLARule = r.Choose(s) // s is a copy: a string and an array change
	t := r.Terms(s)
	for _, sla := range SLAs {
		if s.decided(sla) || s.Met(sla) {
			continue
		}
		if at, ok := t.deadline(r, &s, sla); ok {
			s.Deadlines.set(sla, at)
		}
	}
	// An open predicted check is planned again against the new deadline; a
	// sent (or missed) one stays, so it is never sent twice.
	s.Predictions = slices.DeleteFunc(slices.Clone(s.Predictions), func(p Prediction) bool { return !p.Sent && !p.Missed })
	r.plan(&s)
	return s
}
