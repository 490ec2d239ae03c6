package monitor

import (
	"context"
	"time"
)

// startDashboard starts what the dashboard reads from between requests
// besides the read model: the status sampler and the feed of alerts and
// warnings.
func (s *Server) startDashboard(ctx context.Context) error {
	s.wg.Add(2)
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
