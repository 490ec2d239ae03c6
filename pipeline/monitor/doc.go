// Package monitor observes a running ordertrack pipeline.
//
// It has two halves. The first reads the pipeline's progress from NATS, so
// that it works from any machine: per-partition consumer state (pending,
// ack-pending, redelivered, pinned owner) with Partitions, SLA timers,
// breaches and dead letters with the Count* functions, open orders with
// OrdersByStatus, and readiness with Ready. The status and health commands
// and the HTTP server use it.
//
// The second is the HTTP server of monitor.listen (Server): /metrics in the
// Prometheus text format, built from the instance's pipeline.Stats and from
// NATS at scrape time; /healthz (the process is alive) and /readyz
// (connected, provisioned, every partition served).
//
// Data flow: the pipeline counts into pipeline.Stats from its batches; a
// Prometheus scrape calls the collector, which snapshots Stats and asks
// NATS for consumer lag; the order counts come from a background scan of
// the ORDERS bucket that runs at most once per Options.OrdersEvery.
package monitor
