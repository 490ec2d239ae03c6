package monitor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// CountOrders counts the orders in the ORDERS bucket by status and their
// pending SLA deadlines by SLA (CountPending of rules), with one
// ScanOrders. Values that do not decode are counted under status "invalid".
func CountOrders(ctx context.Context, js jetstream.JetStream, rules order.Rules) (map[order.Stage]uint64, map[order.SLA]uint64, error) {
	byStatus, timers := map[order.Stage]uint64{}, map[order.SLA]uint64{}
	err := contract.ScanOrders(ctx, js, func(s order.State, ok bool) {
		if !ok {
			byStatus["invalid"]++
			return
		}
		byStatus[s.Status]++
		CountPending(timers, rules.Pending(s))
	})
	if err != nil {
		return nil, nil, err
	}
	return byStatus, timers, nil
}

// CountingOrders returns s with Orders and Timers set from one CountOrders
// per Report (Orders runs before Timers): what status does without a
// monitor's periodic scan.
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

// Attainment tallies the stored orders placed since since (zero: all) by
// by, with one ScanOrders ('ordertrack report'; the server keeps its own
// from its periodic scan for /api/attainment).
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
