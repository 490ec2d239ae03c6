// Package mapping turns one record of a source (a Kafka record's value, an
// HTTP event) into the input event of SPEC section 3, ready to store in
// ORDER_EVENTS: ingest.mapping's dotted paths and event_types applied
// (Mapper.Map), then the pipeline's own decoder, order.Decode, run on the
// result, and the event id filled in from the source's coordinates when the
// event has none (Mapper.Prepare).
//
// Every failure is an *order.InvalidError carrying one of order's reasons,
// so that a source dead-letters a bad record exactly as the pipeline would.
// The package is pure: no NATS, no clock (the caller passes the arrival
// time), no I/O.
package mapping
