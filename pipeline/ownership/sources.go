package ownership

import "time"

// Source is an ingest source an instance runs (SPEC section 16: Kafka,
// HTTP), as its heartbeat reports it; status and /api/status list them
// under "ingest".
type Source struct {
	// Source is "kafka", "http", ...
	Source string `json:"source"`
	// Instance runs it (set by the status reader).
	Instance string `json:"instance,omitempty"`
	// State is starting, running, paused (NATS cannot store) or stopped.
	State string `json:"state"`
	// Since is when State (or the presence of Error) last changed.
	Since time.Time `json:"since"`
	// Listen is the address an HTTP source listens on.
	Listen string `json:"listen,omitempty"`
	// Requests counts the requests an HTTP source answered (any status)
	// since it started.
	Requests int64 `json:"requests,omitempty"`
	// Stored and DeadLettered count records since the source started.
	Stored       int64 `json:"stored"`
	DeadLettered int64 `json:"dead_lettered"`
	// Error is the last fault while it lasts.
	Error string `json:"error,omitempty"`
	// Group and Topics are a Kafka source's consumer group and topics.
	Group  string   `json:"group,omitempty"`
	Topics []string `json:"topics,omitempty"`
	// Partitions are the Kafka partitions the instance owns.
	Partitions []SourcePartition `json:"partitions,omitempty"`
}

// SourcePartition is one Kafka partition a source owns.
type SourcePartition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the next offset committed (-1: none yet this run).
	Committed int64 `json:"committed"`
	// Lag is the records behind the partition's end at the last fetch
	// (-1: not fetched yet).
	Lag int64 `json:"lag"`
}
