// Package pipeline is ordertrack's stream processor on NATS JetStream.
//
// Provision creates (or verifies) the streams ORDER_EVENTS, ORDER_SLA,
// ORDER_UPDATES and ORDER_DLQ, the ORDERS bucket and two durable pull
// consumers per partition. A Pipeline then runs one worker per partition;
// each partition is owned by one instance at a time through a pinned-client
// priority group. A worker takes micro-batches (streaming.trigger_interval,
// streaming.max_batch) of input events and fired SLA checks and runs each
// batch through:
//
//	decode/validate --invalid--> ORDER_DLQ (original bytes, reason headers)
//	group by order -> load state (owner cache, else KV) -> order.Apply / order.Check
//	-> CAS write of state + outbox (the commit point)
//	-> publish updates (deterministic Nats-Msg-Id) and SLA schedules
//	-> ack the inputs
//
// A crash between any two steps is repaired on redelivery: applying an event
// twice changes nothing (package order), and the outbox committed with the
// state is published again, de-duplicated by Msg-Id.
//
// SLA timers (timers.go) are JetStream message schedules on ORDER_SLA, one
// per partition and 100 ms time slot, listing the orders due in it. When
// one fires, its check lands on the orders' partition, so the same worker
// applies it. The JetStream objects themselves, their names and shapes, are
// package contract's; which instance runs which partition is package
// ownership's.
package pipeline
