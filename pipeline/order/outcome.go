package order

import "time"

// Outcome is how an SLA of an order ended, or that it has not ended yet
// (SPEC sections 11 and 12).
type Outcome string

// The outcomes of an SLA.
const (
	OutcomeMet       Outcome = "met"       // the stage was reached by the deadline
	OutcomeBreached  Outcome = "breached"  // a breach was recorded
	OutcomeCancelled Outcome = "cancelled" // cancelled before met or breached
	OutcomePending   Outcome = "pending"   // none of these yet
)

// OutcomeOf judges one SLA of an order at time now: a deadline that has
// passed unmet counts as breached even if no timer has fired yet.
func OutcomeOf(s State, sla SLA, r Rules, now time.Time) Outcome {
	switch {
	case s.Breached(sla):
		return OutcomeBreached
	case s.Met(sla):
		return OutcomeMet
	case s.Status == StageCancelled:
		return OutcomeCancelled
	}
	if at, ok := r.Deadline(s, sla); ok && !now.Before(at) {
		return OutcomeBreached
	}
	return OutcomePending
}
