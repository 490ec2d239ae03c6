package monitor

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// CountTimers returns the orders with a pending SLA check by SLA, counted
// from the orders' states by one read of the bucket (LoadViews): ORDER_SLA
// holds one schedule per partition, slot and batch listing orders
// (docs/timers.md), not one per deadline, and a met or closed order may
// stay listed until its slot fires.
func CountTimers(ctx context.Context, js jetstream.JetStream, rules order.Rules) (map[order.SLA]uint64, error) {
	_, timers, err := LoadViews(ctx, js, rules)
	return timers, err
}

// CountBreaches returns the SLA breaches stored in ORDER_UPDATES (within
// retention.updates) by SLA: messages on <prefix>.alerts.<sla>.*.
func CountBreaches(ctx context.Context, js jetstream.JetStream, topo contract.Topology) (map[order.SLA]uint64, error) {
	return countBySLA(ctx, js, contract.UpdatesStream, topo.AlertFilter)
}

// CountWarnings returns the SLA_AT_RISK warnings stored in ORDER_UPDATES
// (within retention.updates) by SLA: messages on <prefix>.warnings.<sla>.*.
// A stream provisioned before warnings existed has none.
func CountWarnings(ctx context.Context, js jetstream.JetStream, topo contract.Topology) (map[order.SLA]uint64, error) {
	s, err := js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", contract.UpdatesStream, err)
	}
	if !slices.Contains(s.CachedInfo().Config.Subjects, topo.WarningsWildcard()) {
		return map[order.SLA]uint64{}, nil
	}
	return countBySLA(ctx, js, contract.UpdatesStream, topo.WarningFilter)
}

func countBySLA(ctx context.Context, js jetstream.JetStream, stream string, filter func(order.SLA) string) (map[order.SLA]uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	out := map[order.SLA]uint64{}
	for _, sla := range order.SLAs {
		count := countMessages
		if s.CachedInfo().Config.Retention == jetstream.WorkQueuePolicy {
			count = countSubjects
		}
		n, err := count(ctx, js, s, filter(sla))
		if err != nil {
			return nil, err
		}
		out[sla] = n
	}
	return out, nil
}

// countSubjects counts a stream's messages on a filter from the stream's
// per-subject counts. It creates nothing, so any number of readers count
// at once; on a work-queue stream (ORDER_SLA) that is the only way, since
// two consumers with one filter are refused there ("filtered consumer not
// unique"). The reply lists every matching subject (one per pending timer),
// paged by the client.
func countSubjects(ctx context.Context, _ jetstream.JetStream, s jetstream.Stream, filter string) (uint64, error) {
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", filter, s.CachedInfo().Config.Name, err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// countMessages counts a stream's messages on a filter: the pending count of
// a short-lived consumer that never fetches, which the server computes from
// its subject index (the cost does not grow with what the reply carries,
// unlike a stream info listing every subject). Consumers on a stream that
// is not a work queue may overlap, so readers do not collide; it is not
// used on work-queue streams (see countSubjects). The consumer is removed
// before it returns, whatever ctx did meanwhile; were the removal lost, the
// server drops it after 10 s unused.
func countMessages(ctx context.Context, js jetstream.JetStream, s jetstream.Stream, filter string) (uint64, error) {
	c, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{
		FilterSubject: filter, AckPolicy: jetstream.AckExplicitPolicy,
		InactiveThreshold: 10 * time.Second, MemoryStorage: true,
	})
	if err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", filter, s.CachedInfo().Config.Name, err)
	}
	defer func() { _ = contract.RemoveConsumer(ctx, js, s.CachedInfo().Config.Name, c) }()
	return c.CachedInfo().NumPending, nil
}

// CountDeadLetters returns the dead letters in ORDER_DLQ by reason, from
// the stream's per-subject counts (one subject per reason).
func CountDeadLetters(ctx context.Context, js jetstream.JetStream, topo contract.Topology) (map[string]uint64, error) {
	s, err := js.Stream(ctx, contract.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", contract.DLQStream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(topo.DLQWildcard()))
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", contract.DLQStream, err)
	}
	out := map[string]uint64{}
	for subj, n := range info.State.Subjects {
		if r, ok := topo.DLQReason(subj); ok {
			out[string(r)] += n
		}
	}
	return out, nil
}
