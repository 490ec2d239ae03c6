// Package monitor observes a running ordertrack pipeline.
//
// It has two halves. The first reads the pipeline's progress from NATS, so
// that it works from any machine: per-partition consumer state (pending,
// ack-pending, redelivered, pinned owner) with Partitions, SLA timers,
// breaches and dead letters with the Count* functions, open orders with
// CountOrders (one read of the bucket, as the read model reads it), and
// readiness with Ready. On top of them sit the views, each computed in one place and shown by the CLI, the JSON
// API and the page alike: Status (StatusReader; status --json and
// /api/status) and OrderStory (Stories; get --json and /api/orders/<id>).
//
// The second is the HTTP server of monitor.listen (Server): /metrics in the
// Prometheus text format, built from the instance's pipeline.Stats and from
// NATS at scrape time; /healthz (the process is alive) and /readyz
// (connected, provisioned, every partition served); the dashboard at /
// (web/, embedded) and its APIs: /api/status, /api/rates, /api/orders/<id>,
// /api/attainment, /api/at-risk and /api/events (Server-Sent Events). With
// Options.AuthToken every path but /healthz, /readyz and the page's script
// and style sheet needs the token (the event stream takes a one-use ticket
// bought with it, POST /api/events/ticket); without it, only requests whose
// Host names this machine are answered (no DNS rebinding). The server's
// timeouts and header limit come from httpserver.New; at most
// Options.MaxStreams event streams are served at once.
//
// Dashboard data flow: a sampler computes Status every StatusEvery (and
// keeps the rate history); the read model (ReadModel) follows the ORDERS
// bucket's change stream (one KV watch: every stored order once at start,
// then each change as it is committed) and keeps the order counts, the
// pending SLA checks, the attainment tallies (order.Tally) and the at-risk
// heap of every open order; one ordered consumer on the alert and warning
// subjects feeds the SSE subscribers.
//
// Data flow: the pipeline counts into pipeline.Stats from its batches; a
// Prometheus scrape calls the collector, which snapshots Stats, asks NATS
// for consumer lag and reads the order counts from the read model.
package monitor
