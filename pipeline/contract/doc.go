// Package contract is ordertrack's JetStream contract, written once and read
// by every part: the engine, the sources of events, the notifier, the
// monitor, health and the command line.
//
// Topology names every subject and consumer; Streams and Consumers state
// the shape of the four streams and of the two durable consumers per
// partition; Provision creates them (and the ORDERS bucket) after
// CheckPermissions probed the Grants, and VerifyStream, VerifyBucket and
// VerifyConsumers check existing objects with Provision's own comparisons.
// A difference is a *Problem (what was found, how to fix it) wrapping
// ErrMismatch or ErrMissing (errors.go). The value of an order in ORDERS is
// a Record (EncodeRecord, DecodeState; ScanOrders reads them all), and a
// dead letter carries the headers of headers.go.
//
// The package imports config, kv and order, never the engine.
package contract
