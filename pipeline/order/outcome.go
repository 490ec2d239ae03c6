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

// OutcomeRetracted counts a breach a late event withdrew (the SLA is met).
const OutcomeRetracted Outcome = "retracted"

// Ended is one SLA of an order reaching an outcome.
type Ended struct {
	SLA     SLA
	Outcome Outcome // met, breached, cancelled or retracted
}

// Endings lists the SLAs that reached an outcome going from before to
// after: pending to met, breached or cancelled, and a breach retracted.
// Each SLA of an order ends once (and a breach is retracted at most once),
// so summing Endings over every write counts each order's outcomes once.
func Endings(before, after State) []Ended {
	var out []Ended
	for _, sla := range SLAs {
		b, a := OutcomeOf(before, sla), OutcomeOf(after, sla)
		switch {
		case b == OutcomePending && a != OutcomePending:
			out = append(out, Ended{sla, a})
		case b == OutcomeBreached && after.RetractedSLA(sla) && !before.RetractedSLA(sla):
			out = append(out, Ended{sla, OutcomeRetracted})
		}
	}
	return out
}
