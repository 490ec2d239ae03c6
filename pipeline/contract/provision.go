package contract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
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
	Risk     jetstream.KeyValue // RiskBucket, the learned-risk model
}

// Provision creates what is missing, accepts what matches and refuses what
// conflicts: the four streams, the ORDERS and ORDER_RISK buckets and two durable consumers
// per partition. It is idempotent. It first checks that the connection's
// user has every permission of Grants, and fails naming those it lacks.
//
// A JetStream that cannot answer yet (a cluster electing its meta leader,
// peers still joining, a request timing out on a busy machine) is asked
// again, every second, for up to ProvisionPatience: each step is idempotent
// and a stream created by a request that timed out is found by the next
// try. Any other error is returned at once.
func Provision(ctx context.Context, js jetstream.JetStream, cfg config.Config, log *slog.Logger) (*Provisioned, error) {
	giveUp := time.Now().Add(ProvisionPatience)
	for attempt := 1; ; attempt++ {
		p, err := provisionOnce(ctx, js, cfg, log)
		if err == nil || !retryable(err) || ctx.Err() != nil || time.Now().After(giveUp) {
			return p, err
		}
		log.Warn("JetStream cannot provision yet; trying again", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

// ProvisionPatience is how long Provision keeps asking a JetStream that
// cannot answer yet.
const ProvisionPatience = 30 * time.Second

// retryable reports whether a provisioning error is worth asking again:
// a transient fault (Transient), except that at start a JetStream that is
// not enabled, for the server or the account, or a JetStream API that no
// one answers is a configuration to fix, reported at once.
func retryable(err error) bool {
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) || errors.Is(err, nats.ErrNoResponders) {
		return false
	}
	return Transient(err)
}

func provisionOnce(ctx context.Context, js jetstream.JetStream, cfg config.Config, log *slog.Logger) (*Provisioned, error) {
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
	if p.Risk, err = OpenRisk(ctx, js, cfg.NATS.Replicas); err != nil {
		return nil, err
	}
	for _, c := range Consumers(cfg) {
		if err := ensureConsumer(ctx, *dst[c.Stream], c.Config); err != nil {
			return nil, err
		}
	}
	return p, nil
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
