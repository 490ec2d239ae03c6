// Package order is the pure domain of ordertrack: input events, their
// validation, the order lifecycle state machine and SLA deadline arithmetic:
// segment rules (rule.go), business calendars (calendar.go), at-risk
// warnings (warn.go), breach retractions (retract.go) and predicted
// warnings from the learned risk of the order's segment (predict.go,
// segment.go; the model is passed in as Rules.Model, and Rules.Samples
// says what a commit teaches it).
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
// Every function is deterministic given its inputs (the clock and the
// model are passed in), so the pipeline can re-apply an event after a crash
// and get the same result; a predicted check is recorded in the state when
// it is planned, so the instant listed does not move with the model.
package order
