package health

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
)

// progress samples every consumer twice, stallSample (plus one trigger
// interval) apart when anything is pending, and fails for consumers that
// are at max_ack_pending or made no progress (no delivery, no ack) with
// messages waiting.
func (h *Checker) progress(ctx context.Context) (string, error) {
	first, err := monitor.Partitions(ctx, h.js, h.topo)
	if err != nil {
		return "", err
	}
	second := first
	if busy(first) {
		if !contract.SleepUntil(ctx, time.Now().Add(stallSample+h.cfg.Streaming.TriggerInterval)) {
			return "", ctx.Err()
		}
		if second, err = monitor.Partitions(ctx, h.js, h.topo); err != nil {
			return "", err
		}
	}
	var stalled []string
	var pending uint64
	ackPending, served := 0, 0
	for i, p := range second {
		if why := stalledConsumer(first[i].Events, p.Events); why != "" {
			stalled = append(stalled, h.topo.EventsConsumer(i)+": "+why)
		}
		if why := stalledConsumer(first[i].Timers, p.Timers); why != "" {
			stalled = append(stalled, h.topo.TimersConsumer(i)+": "+why)
		}
		pending, ackPending = pending+p.Pending(), ackPending+p.AckPending()
		if p.Served() {
			served++
		}
	}
	stuck, err := monitor.Stuck(ctx, h.js, h.topo, second, time.Now())
	if err != nil {
		return "", err
	}
	if len(stuck) > 0 {
		var whats, fixes []string
		for _, p := range stuck {
			whats = append(whats, p.What)
			if !slices.Contains(fixes, p.Fix) {
				fixes = append(fixes, p.Fix)
			}
		}
		return "", fail(strings.Join(fixes, "; "), "%s", strings.Join(whats, "; "))
	}
	if len(stalled) > 0 {
		return "", fail(fmt.Sprintf("%d/%d partitions have a consuming instance: start 'ordertrack run' if none is running, otherwise check its logs", served, len(second)),
			"stalled: %s", strings.Join(stalled, "; "))
	}
	return fmt.Sprintf("not stalled (%d pending, %d awaiting ack; %d/%d partitions have a consuming instance)", pending, ackPending, served, len(second)), nil
}

func busy(ps []monitor.Partition) bool {
	for _, p := range ps {
		if p.Pending() > 0 || p.AckPending() > 0 {
			return true
		}
	}
	return false
}

// stalledConsumer says why a consumer sampled as a and then b is stalled,
// or "" when it is not.
func stalledConsumer(a, b *jetstream.ConsumerInfo) string {
	if a == nil || b == nil {
		return ""
	}
	if max := b.Config.MaxAckPending; max > 0 && b.NumAckPending >= max {
		return fmt.Sprintf("%d messages await acks (max_ack_pending %d reached)", b.NumAckPending, max)
	}
	waiting := a.NumPending > 0 || a.NumAckPending > 0
	if waiting && b.Delivered.Stream == a.Delivered.Stream && b.AckFloor.Stream == a.AckFloor.Stream {
		return fmt.Sprintf("%d pending, %d awaiting ack, no delivery or ack since the previous sample", b.NumPending, b.NumAckPending)
	}
	return ""
}
