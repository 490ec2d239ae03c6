// Package generator produces demo and load order events for ordertrack.
//
// It is pure event generation: it decides what to publish and when, in
// virtual time, and leaves publishing (and pacing against the wall clock) to
// its caller, so it has no NATS import. Data flows as
//
//	Config -> New -> Generator.Next() -> Emission{At, Event, Duplicate, Kind}
//	                                  -> Generator.JSON(Event) -> publish at At
//
// # Scenarios
//
// Sample is the original's rate source: every order runs straight through
// ORDER_PLACED, PROCESSING_STARTED, ITEM_SHIPPED and ITEM_DELIVERED with
// short fixed gaps well within the SLAs, orders interleaved, no anomalies.
// Use it for throughput benchmarks.
//
// Realistic is the demo: stage delays are drawn relative to the SLA durations
// of each order's terms under Config.Rules (the rule of sla.rules it
// matches, as the pipeline chooses it). Segments move at their own pace: in
// time, express orders are processed and shipped within 5-15% of an SLA
// (and delivered within 5-15% of what the delivery SLA has left), standard
// ones within 10-30%, and the bulky-goods warehouse (item category
// Outerwear) takes 30-95%, so a learned model of each segment (sla.predict)
// warns other orders, earlier or later, than fixed warn_at fractions. Most
// orders meet every SLA; about 8% are cancelled, 5%
// each breach the processing, shipping or delivery SLA, 3% stall and never
// progress (so breaches are found by the SLA timers), and 2% carry an
// impossible event the pipeline must reject (a cancellation after delivery,
// or a stage after a cancellation). On top, about 3% of events are followed
// by a duplicate with the same event_id, 3% of orders have two consecutive
// stages published in swapped order, and 2% of events are published a few
// seconds after their event time.
//
// The timeline follows the SLAs: with the default 24h/3d/7d rules an order
// spans days of virtual time, so a demo that should show every kind of output
// within a minute runs with short SLAs (seconds) in both the generator and
// the pipeline.
//
// # Rate and pacing
//
// Orders start EventsPerOrder/Config.Rate seconds apart, so once the first orders
// have completed, emissions arrive at Config.Rate per second of virtual time.
// The caller maps virtual time to the wall clock (Config.Start = time.Now()
// and publish each emission at its At for real time).
//
// # Backfill
//
// Config.Until places a run in the past: Start is moved back by the order
// starts plus a bound on the longest order (maxSpan: 2 x the sum of the
// SLAs + 15 s for the realistic scenario), and Next ends at the first
// emission after Until. Every event time is then <= Until, so a run
// published at once (ordertrack generate --rate 0) never carries a
// timestamp in the future, whatever the SLAs.
//
// # Determinism and memory
//
// The same Config, Seed included, yields the same sequence of emissions:
// order and event ids, event types, customers, items, delays and timestamps
// relative to Config.Start. Pending future emissions wait in a min-heap;
// nothing is kept for orders whose events have all been returned, so memory
// is bounded by the orders in flight.
package generator
