package order

import (
	"fmt"
	"slices"
	"time"
)

// retract withdraws the breaches that the stage just recorded proves wrong:
// on the event clock, a late event showing that an SLA was met by its
// deadline after its SLA_BREACH was emitted (SPEC section 11). The SLA moves
// from Breaches to Retracted, where it stays: it is never breached again.
func (r Rules) retract(s *State, stage Stage, now time.Time, out []Update) []Update {
	if r.Clock == ClockArrival || len(s.Breaches) == 0 {
		return out
	}
	t := r.Terms(*s)
	for _, sla := range SLAs {
		if !s.Breached(sla) || !slices.Contains(metBy(sla), stage) {
			continue
		}
		deadline, ok := r.deadlineOf(s, t, sla)
		met, _ := r.reached(s, stage)
		if !ok || met.After(deadline) {
			continue
		}
		s.Breaches = slices.DeleteFunc(s.Breaches, func(x SLA) bool { return x == sla })
		s.Retracted = append(s.Retracted, sla)
		out = append(out, retraction(*s, t, sla, deadline, met, now))
	}
	return out
}

// retraction is the SLA_BREACH_RETRACTED update; its event time is when the
// stage was reached.
func retraction(s State, t Terms, sla SLA, deadline, met, now time.Time) Update {
	u := newUpdate(s, UpdateRetracted, met, now)
	d := deadline
	u.Key, u.SLA, u.Deadline, u.Rule = string(sla), sla, &d, t.Rule
	u.Message = fmt.Sprintf("SLA BREACH RETRACTED: Order %s was %s at %s, before its deadline %s; the event arrived late - Item: %s",
		s.OrderID, breachVerb[sla], met.UTC().Format(time.RFC3339Nano), deadline.UTC().Format(time.RFC3339Nano), item(s))
	return u
}
