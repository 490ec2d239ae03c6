package monitor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// startDashboard starts what the dashboard reads from between requests:
// the status sampler, the feed of alerts and warnings, and a core NATS
// subscription to the lifecycle updates that drops orders that moved from
// the at-risk list.
func (s *Server) startDashboard(ctx context.Context) error {
	sub, err := s.opts.Conn.Subscribe(s.opts.Topology.UpdateSubject("*"), func(m *nats.Msg) {
		s.atRisk.moved(contract.OrderFromSubject(m.Subject))
	})
	if err != nil {
		return err
	}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); <-ctx.Done(); _ = sub.Unsubscribe() }()
	go func() { defer s.wg.Done(); s.sampler.run(ctx, s.opts.Conn.IsConnected) }()
	go func() { defer s.wg.Done(); s.followFeed(ctx) }()
	return nil
}

// followFeed runs the feed, starting it again a second after it fails (the
// stream is missing, NATS is away).
func (s *Server) followFeed(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.feed.run(ctx, s.opts.JS, s.opts.Topology); err != nil {
			s.log.Debug("monitor: alert feed failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// output is told of every alert and warning: a breach or retraction moves
// the order's next deadline, so it leaves the at-risk list.
func (s *Server) output(subject string) {
	if s.opts.Topology.IsAlert(subject) {
		s.atRisk.moved(contract.OrderFromSubject(subject))
	}
}

// scannedOrders returns the last scan's orders by status (nil before it).
func (s *Server) scannedOrders(context.Context) (map[order.Stage]uint64, error) {
	sc, ok := s.lastScan()
	if !ok {
		return nil, nil
	}
	return sc.orders, nil
}

// scanVisit computes everything the dashboard needs from one read of the
// ORDERS bucket: orders by status, attainment by every grouping, and the
// AtRiskKeep open orders nearest to their next deadline.
type scanVisit struct {
	rules   order.Rules
	orders  map[order.Stage]uint64
	tallies map[order.Grouping]*order.Tally
	nearest nearest
}

func newScanVisit(r order.Rules) *scanVisit {
	v := &scanVisit{rules: r, orders: map[order.Stage]uint64{}, tallies: map[order.Grouping]*order.Tally{},
		nearest: nearest{k: AtRiskKeep}}
	for _, g := range order.Groupings {
		v.tallies[g] = order.NewTally(g, time.Time{})
	}
	return v
}

func (v *scanVisit) visit(s order.State, ok bool) {
	if !ok {
		v.orders["invalid"]++
		return
	}
	v.orders[s.Status]++
	for _, t := range v.tallies {
		t.Add(s)
	}
	if o, ok := atRiskOf(s, v.rules); ok {
		v.nearest.offer(o)
	}
}

func (v *scanVisit) attainment() map[order.Grouping]order.Attainment {
	out := map[order.Grouping]order.Attainment{}
	for g, t := range v.tallies {
		out[g] = t.Result()
	}
	return out
}
