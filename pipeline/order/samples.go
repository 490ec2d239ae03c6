package order

import "time"

// Samples calls f with what a change of an order from before to after
// teaches the learned-risk model (SPEC section 17): for every SLA that after
// shows met for the first time, on an order not cancelled, the key of its
// model (SegmentKey under r.Predict.By) and how long its stage took, from
// its start to the stage that met it, counted as its deadline is (open
// time under the order's calendar). An SLA met late counts like one met in
// time; an SLA whose start is unknown (shipped before processing was seen)
// teaches nothing. Since a stage is recorded once, each SLA of an order
// gives at most one sample however often its events are applied.
func (r Rules) Samples(before, after State, f func(key string, d time.Duration)) {
	if after.Status == StageCancelled || after.CancelledAt != nil {
		return
	}
	var t Terms
	termsKnown := false
	for _, sla := range SLAs {
		if before.Met(sla) || !after.Met(sla) {
			continue
		}
		start, ok := r.reached(&after, startStage(sla))
		if !ok {
			continue
		}
		met, ok := r.metAt(&after, sla)
		if !ok || met.Before(start) {
			continue
		}
		if !termsKnown {
			t, termsKnown = r.Terms(after), true
		}
		f(SegmentKey(after, sla, r.Predict.By), t.Calendar.Open(start, met))
	}
}
