// Package ownership decides which instance runs which partition. Every
// running instance heartbeats in the ORDERTRACK_INSTANCES bucket
// (Heartbeat: its name, the partitions it claims, its version and
// configuration hash, with a TTL of streaming.pinned_ttl); Assign, a pure
// function of the live claims, gives each instance its share, so every
// instance computes the same assignment and acts on its own row. The
// engine's owner loop (package pipeline) applies it; status, the monitor
// and the metrics read the heartbeats with ReadInstances.
package ownership
