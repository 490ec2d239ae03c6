package order

// Outcome is where one SLA of one order stands (SPEC sections 11 and 12).
type Outcome string

// The outcomes of an SLA.
const (
	OutcomeMet       Outcome = "met"
	OutcomeBreached  Outcome = "breached"
	OutcomeCancelled Outcome = "cancelled" // cancelled before met or breached
	OutcomePending   Outcome = "pending"
)

// OutcomeOf returns the outcome of one SLA of an order as its state records
// it; a deadline passed without a recorded breach is still pending (judge
// it with Check first).
func OutcomeOf(s State, sla SLA) Outcome {
	switch {
	case s.Breached(sla):
		return OutcomeBreached
	case s.Met(sla):
		return OutcomeMet
	case s.Status == StageCancelled:
		return OutcomeCancelled
	}
	return OutcomePending
}
