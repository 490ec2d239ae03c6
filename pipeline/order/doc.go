// Package order is the pure domain of ordertrack: input events, their
// validation, the order lifecycle state machine and SLA deadline arithmetic.
//
// It has no NATS import. Data flows through it as
//
//	raw bytes -> Decode -> Event -> Apply(State, Event) -> State', []Update
//	fired SLA check -> Check(State, now) -> State', []Update
//	State -> Deadlines -> pending SLA schedules
//
// Every function is deterministic given its inputs (the clock is passed in),
// so the pipeline can re-apply an event after a crash and get the same result.
package order
