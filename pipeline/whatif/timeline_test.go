package whatif

import (
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestReplayFiresWarningsBetweenEvents: with warn_at [0.75], processing 10s
// (base: warning at 7.5s) against 4s (new: warning at 3s, deadline 4s), an
// order recorded an hour ago gets every warning whose instant falls before
// its next event, or before the run's time when no event follows, as the
// pipeline's timers would have sent it; a warning whose SLA was met first
// is never sent.
func TestReplayFiresWarningsBetweenEvents(t *testing.T) {
	warned := func(processing time.Duration) order.Rules {
		r := rules(processing)
		r.WarnAt = []float64{0.75}
		return r
	}
	tests := []struct {
		name                string
		processed           time.Duration // 0: never
		baseWarns, newWarns int
		base, new           order.Outcome
	}{
		{"processed after 6s", 6 * time.Second, 0, 1, order.OutcomeMet, order.OutcomeBreached},
		{"processed after 12s", 12 * time.Second, 1, 1, order.OutcomeBreached, order.OutcomeBreached},
		{"never processed", 0, 1, 1, order.OutcomeBreached, order.OutcomeBreached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(Options{Base: warned(10 * time.Second), New: warned(4 * time.Second), Now: t0.Add(time.Hour), MaxSkew: time.Minute, Shards: 1})
			r.Add(ev("A", order.OrderPlaced, 0))
			if tt.processed > 0 {
				r.Add(ev("A", order.ProcessingStarted, tt.processed))
			}
			rows := r.Finish().Rows("")
			p := rows[0]
			if p.SLA != order.SLAProcessing || p.Base.Warnings != tt.baseWarns || p.New.Warnings != tt.newWarns {
				t.Errorf("%s warnings base %d new %d, want %d %d", p.SLA, p.Base.Warnings, p.New.Warnings, tt.baseWarns, tt.newWarns)
			}
			if (p.Base.Met == 1) != (tt.base == order.OutcomeMet) || (p.New.Met == 1) != (tt.new == order.OutcomeMet) ||
				(p.Base.Breached == 1) != (tt.base == order.OutcomeBreached) || (p.New.Breached == 1) != (tt.new == order.OutcomeBreached) {
				t.Errorf("outcomes base %+v new %+v, want %s %s", p.Base, p.New, tt.base, tt.new)
			}
			for _, row := range rows[1:] {
				if row.Base.Warnings != 0 || row.New.Warnings != 0 {
					t.Errorf("%s row warned: %+v", row.SLA, row)
				}
			}
		})
	}
}
