// Package order is the pure domain of ordertrack: input events, their
// validation, the order lifecycle state machine and SLA deadline arithmetic:
// segment rules (rule.go), business calendars (calendar.go), at-risk
// warnings (warn.go) and breach retractions (retract.go).
//
// It has no NATS import. Data flows through it as
//
//	raw bytes -> Decode -> Event -> Apply(State, Event) -> State', []Update
//	fired SLA check -> Check(State, now) -> State', []Update (breaches, warnings)
//	State -> Rules.Pending -> the instants the order must be checked at
//
// An order's rule is chosen once (State.SLARule) and its Terms (durations,
// calendar, warn_at) come from it from then on.
//
// Every function is deterministic given its inputs (the clock is passed in),
// so the pipeline can re-apply an event after a crash and get the same result.
package order
