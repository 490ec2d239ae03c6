package monitor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// CountOrders counts the orders in the ORDERS bucket by status and the
// orders with a pending SLA check by SLA under rules, reading the bucket
// once as the read model does (LoadViews). Values that do not decode are
// counted under status "invalid".
func CountOrders(ctx context.Context, js jetstream.JetStream, rules order.Rules) (map[order.Stage]uint64, map[order.SLA]uint64, error) {
	return LoadViews(ctx, js, rules)
}

// CountingOrders returns s with Orders and Timers set from one CountOrders
// per Report (Orders runs before Timers): what status does without a
// monitor's read model.
func (s StatusReader) CountingOrders(rules order.Rules) StatusReader {
	var timers map[order.SLA]uint64
	s.Orders = func(ctx context.Context) (map[order.Stage]uint64, error) {
		byStatus, t, err := CountOrders(ctx, s.JS, rules)
		timers = t
		return byStatus, err
	}
	s.Timers = func(context.Context) (map[order.SLA]uint64, error) { return timers, nil }
	return s
}

// ReadingOrders returns s with Orders and Timers read from m's views (none
// before its first read ended).
func (s StatusReader) ReadingOrders(m *ReadModel) StatusReader {
	s.Orders = func(ctx context.Context) (map[order.Stage]uint64, error) {
		byStatus, _ := m.Counts(ctx)
		return byStatus, nil
	}
	s.Timers = func(ctx context.Context) (map[order.SLA]uint64, error) {
		_, timers := m.Counts(ctx)
		return timers, nil
	}
	return s
}

// Attainment tallies the stored orders placed since since (zero: all) by
// by, with one ScanOrders ('ordertrack report', which filters by since;
// the server's read model keeps /api/attainment up to date).
func Attainment(ctx context.Context, js jetstream.JetStream, by order.Grouping, since time.Time) (order.Attainment, error) {
	tally := order.NewTally(by, since)
	err := contract.ScanOrders(ctx, js, func(s order.State, ok bool) {
		if ok {
			tally.Add(s)
		}
	})
	if err != nil {
		return order.Attainment{}, err
	}
	return tally.Result(), nil
}
