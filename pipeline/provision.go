package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
)

// Provisioned holds the objects the pipeline works with.
type Provisioned struct {
	Topology Topology
	Events   jetstream.Stream
	Timers   jetstream.Stream
	Updates  jetstream.Stream
	DLQ      jetstream.Stream
	Orders   *kv.Store
}

// Provision creates what is missing, accepts what matches and refuses what
// conflicts: the four streams, the ORDERS bucket and two durable consumers
// per partition. It is idempotent. It first checks that the connection's
// user has every permission of Grants, and fails naming those it lacks.
func Provision(ctx context.Context, js jetstream.JetStream, cfg config.Config, log *slog.Logger) (*Provisioned, error) {
	t := TopologyOf(cfg)
	if err := CheckPermissions(ctx, js.Conn(), Grants(t)); err != nil {
		return nil, err
	}
	p := &Provisioned{Topology: t}
	dst := map[string]*jetstream.Stream{EventsStream: &p.Events, SLAStream: &p.Timers, UpdatesStream: &p.Updates, DLQStream: &p.DLQ}
	var err error
	for _, want := range Streams(cfg) {
		if *dst[want.Name], err = ensureStream(ctx, js, want, log); err != nil {
			return nil, err
		}
	}
	p.Orders, err = kv.Open(ctx, js, bucketOptions(cfg))
	if err != nil {
		return nil, err
	}
	for _, c := range Consumers(cfg) {
		if err := ensureConsumer(ctx, *dst[c.Stream], c.Config); err != nil {
			return nil, err
		}
	}
	return p, nil
}

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

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig, log *slog.Logger) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("create stream %s: %w", want.Name, err)
		}
		log.Info("created stream", "stream", want.Name)
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", want.Name, err)
	}
	have := s.CachedInfo().Config
	if s, err = addSubjects(ctx, js, s, want, log); err != nil {
		return nil, err
	}
	have = s.CachedInfo().Config
	if err := compareStream(have, want); err != nil {
		return nil, err
	}
	if limitsDiffer(have, want) {
		log.Warn("updating stream limits to match the configuration", "stream", want.Name,
			"max_age", want.MaxAge, "was_max_age", have.MaxAge, "duplicate_window", want.Duplicates, "was_duplicate_window", have.Duplicates)
		have.MaxAge, have.Duplicates = want.MaxAge, want.Duplicates
		if s, err = js.UpdateStream(ctx, have); err != nil {
			return nil, fmt.Errorf("update stream %s: %w", want.Name, err)
		}
	}
	return s, nil
}

// addSubjects updates a stream in place when it has a subset of the
// subjects wanted, as a stream created by an older ordertrack (without
// orders.warnings.> on ORDER_UPDATES): adding subjects drops no message.
// Any other difference is left to compareStream.
func addSubjects(ctx context.Context, js jetstream.JetStream, s jetstream.Stream, want jetstream.StreamConfig, log *slog.Logger) (jetstream.Stream, error) {
	have := s.CachedInfo().Config
	missing := addable(have, want)
	if len(missing) == 0 {
		return s, nil // nothing to add, or not a subset: a conflict, reported by compareStream
	}
	have.Subjects = want.Subjects
	updated, err := js.UpdateStream(ctx, have)
	if err != nil {
		return nil, fmt.Errorf("update stream %s to add subjects %v: %w", want.Name, missing, err)
	}
	log.Info("added subjects to stream", "stream", want.Name, "subjects", missing)
	return updated, nil
}

func ensureConsumer(ctx context.Context, s jetstream.Stream, want jetstream.ConsumerConfig) error {
	c, err := s.Consumer(ctx, want.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		_, err = s.CreateConsumer(ctx, want)
		if err != nil {
			return fmt.Errorf("create consumer %s: %w", want.Durable, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up consumer %s: %w", want.Durable, err)
	}
	have := c.CachedInfo().Config
	if err := compareConsumer(c.CachedInfo().Stream, have, want); err != nil {
		return err
	}
	if consumerLimitsDiffer(have, want) {
		if _, err := s.UpdateConsumer(ctx, want); err != nil {
			return fmt.Errorf("update consumer %s: %w", want.Durable, err)
		}
	}
	return nil
}

// pinRenewal is how often an idle pinned client must pull to keep its pin.
func pinRenewal(pinnedTTL time.Duration) time.Duration { return max(pinnedTTL/3, time.Second) }
