// Package deadletter reads and replays the dead letters of ORDER_DLQ.
//
// The pipeline (and the notifier, for notify_failed) stores an event it
// cannot process on <prefix>.dlq.<reason> with its original bytes and the
// Ordertrack-* headers. Read walks them oldest first through an ordered
// consumer (it creates nothing durable, so any number of readers may run);
// a Letter is one of them as `ordertrack dlq list --json` prints it.
// Replayer puts each back: an input event to its order's input subject, a
// fired SLA check to its subject, a notify_failed alert to its webhook,
// and removes the letter once the replay is stored (or answered 2xx). A
// record an ingest source dead-lettered (Ordertrack-Source kafka or http)
// is mapped again with ingest.mapping and stored under the event id the
// source derived; Shopify webhooks are not replayed.
package deadletter
