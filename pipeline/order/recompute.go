package order

// Rechoose chooses an open order's rule again under r (sla.recompute:
// open): its deadlines and warnings then follow the new rule's terms. An
// order whose rule was never chosen, or that is closed, is returned as it
// is. Breaches, retractions and warnings already recorded stay: a recompute
// never un-breaches an SLA nor sends a warning twice.
func Rechoose(s State, r Rules) State {
	if s.SLARule == "" || s.Closed() {
		return s
	}
	if rule := r.Choose(s); rule != s.SLARule {
		s = s.Clone()
		s.SLARule = rule
	}
	return s
}
