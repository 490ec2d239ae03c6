// Package notify pushes alerts (SLA_BREACH, SLA_AT_RISK,
// SLA_BREACH_RETRACTED) to webhooks and Slack (SPEC section 13).
//
// # Data flow
//
// The pipeline stores alerts on ORDER_UPDATES and never waits for a
// webhook. Each configured webhook has its own durable consumer,
// ordertrack-notify-<name>, on the alert and warning subjects; every
// instance consumes it in one pinned priority group, so one instance at a
// time delivers for a webhook and an alert is delivered once across
// instances (at least once across crashes: a receiver de-duplicates on
// Ordertrack-Delivery, the alert's Nats-Msg-Id).
//
// A runner per webhook queues the messages it receives on one lane per
// order id: an order's alerts are sent in order, different orders in
// parallel (at most Options.Parallel requests, at most Options.InFlight
// alerts held, the consumer's MaxAckPending). Held messages are kept
// alive with InProgress, so a long retry does not cause a redelivery.
//
// Each attempt (Send) POSTs the output JSON, or {"text": message} for
// Slack, with Ordertrack-Delivery, Ordertrack-Attempt and, with a secret,
// Ordertrack-Signature: sha256=<hex HMAC-SHA256 of the body>. 2xx is
// delivered; 408, 429, 5xx, timeouts and connection errors are retried
// after Backoff (doubling from notify.backoff up to 5m, at least a 429's
// Retry-After) up to notify.max_attempts; then, and at once for any other
// answer, the alert goes to ORDER_DLQ as notify_failed (DeadLetter) and is
// acknowledged. A stopping runner hands back (NAKs) what it has not
// delivered.
//
// Update applies a reloaded notify section: added webhooks start, removed
// ones stop and their consumer is deleted, changed ones use the new
// settings from their next attempt. URLs are logged as scheme and host
// only; secrets and header values never.
package notify
