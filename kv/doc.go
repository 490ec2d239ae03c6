// Package kv keeps the state of every order in the JetStream KV bucket
// ORDERS (key = order id) with compare-and-set on revision.
//
// Reads return the value and the revision of a key, also for keys that are
// deleted or expired (their marker's revision), so a writer can always
// compare-and-set. Writes are asynchronous CAS publishes to the bucket's
// subject: a caller fires the writes of a whole micro-batch, then waits for
// all of them, which is what makes the pipeline fast. A write may carry a TTL
// (retention of completed orders); unlike jetstream.KeyValue.Update it keeps
// it. Library errors are translated here: ErrNotFound (Read), ErrKeyExists
// and ErrStaleRevision (both ErrConflict), ErrBucketNotFound (Lookup,
// Inspect). Readers use Lookup, Read and Scan; the pipeline uses Open.
package kv
