package contract

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
)

// TopologyOf is the topology of a configuration.
func TopologyOf(cfg config.Config) Topology {
	return Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
}

// Streams are the configurations of the four streams as Provision creates
// them and Verify expects them: the one statement of their shape.
func Streams(cfg config.Config) []jetstream.StreamConfig {
	t := TopologyOf(cfg)
	return []jetstream.StreamConfig{eventsStream(t, cfg), timersStream(t, cfg), updatesStream(t, cfg), dlqStream(t, cfg)}
}

// Consumer is a durable consumer Provision creates on a stream.
type Consumer struct {
	Stream string
	Config jetstream.ConsumerConfig
}

// Consumers are the two durable consumers of every partition, as Provision
// creates them and Verify expects them.
func Consumers(cfg config.Config) []Consumer {
	t := TopologyOf(cfg)
	var out []Consumer
	for i := 0; i < t.Partitions; i++ {
		out = append(out,
			Consumer{EventsStream, consumerConfig(t.EventsConsumer(i), t.PartitionFilter(i), cfg)},
			Consumer{SLAStream, consumerConfig(t.TimersConsumer(i), t.FiredFilter(i), cfg)})
	}
	return out
}

func bucketOptions(cfg config.Config) kv.Options {
	return kv.Options{Bucket: OrdersBucket, Replicas: cfg.NATS.Replicas}
}

func eventsStream(t Topology, cfg config.Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: EventsStream, Description: "ordertrack input events, partitioned by order id",
		Subjects:         []string{t.EventsWildcard()},
		SubjectTransform: &jetstream.SubjectTransformConfig{Source: t.EventsWildcard(), Destination: t.EventsTransform()},
		Storage:          jetstream.FileStorage, Replicas: cfg.NATS.Replicas,
		MaxAge: cfg.Retention.Updates, Duplicates: cfg.Streaming.DuplicateWindow,
	}
}

// timersStream holds the slot schedules (one per partition, slot and batch,
// listing the orders to check; docs/timers.md) and their fired messages.
// Work-queue retention removes a fired slot once its checks are committed;
// the server deletes a schedule once it fired. MaxAge stays 0 because it
// would delete pending schedules (NATS-NOTES). Schedules imply rollups (the
// server adds one to each); TTL is kept for streams that still hold the
// expiring tombstones of the design before slots.
func timersStream(t Topology, cfg config.Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: SLAStream, Description: "ordertrack SLA timers: slot schedules listing the orders to check, and fired slots",
		Subjects:  []string{t.SLAWildcard()},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Replicas: cfg.NATS.Replicas,
		AllowMsgSchedules: true, AllowMsgTTL: true, AllowRollup: true,
		Duplicates: cfg.Streaming.DuplicateWindow,
	}
}

func updatesStream(t Topology, cfg config.Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: UpdatesStream, Description: "ordertrack lifecycle updates and SLA alerts",
		Subjects: t.OutputSubjects(),
		Storage:  jetstream.FileStorage, Replicas: cfg.NATS.Replicas,
		MaxAge: cfg.Retention.Updates, Duplicates: cfg.Streaming.DuplicateWindow,
	}
}

func dlqStream(t Topology, cfg config.Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: DLQStream, Description: "ordertrack dead letters: original bytes, reason in headers",
		Subjects: []string{t.DLQWildcard()},
		Storage:  jetstream.FileStorage, Replicas: cfg.NATS.Replicas,
		Duplicates: cfg.Streaming.DuplicateWindow,
	}
}

func consumerConfig(name, filter string, cfg config.Config) jetstream.ConsumerConfig {
	s := cfg.Streaming
	return jetstream.ConsumerConfig{
		Durable: name, FilterSubject: filter,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: s.AckWait,
		// Redeliveries are counted by the pipeline, which dead-letters a
		// message past streaming.max_deliver; the server never gives up.
		MaxDeliver:     -1,
		MaxAckPending:  max(4*s.MaxBatch, 1000),
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		PriorityPolicy: jetstream.PriorityPolicyPinned, PriorityGroups: []string{PriorityGroup},
		PinnedTTL: s.PinnedTTL,
	}
}
