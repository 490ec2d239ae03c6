package order

import (
	"testing"
	"time"
)

// TestLateWarningStatesTimeUsed: events that arrive late are warned at
// once, past their threshold; the message states the share of the SLA's
// time actually used and the time actually left when it is emitted, while
// threshold stays the warn_at fraction.
func TestLateWarningStatesTimeUsed(t *testing.T) {
	r := Rules{Processing: time.Minute, Shipping: 10 * time.Second, Delivery: time.Hour, Clock: ClockEvent, WarnAt: []float64{0.5}}
	s := build(t, r, placedEvent(secs(0)), bare(ProcessingStarted, secs(0)))
	_, got := Check(s, r, secs(8.5)) // the events reached the pipeline 8.5 s late
	checkUpdates(t, got, []wantUpd{warnUpd(SLAShipping, StageProcessing, 0.5, secs(5), secs(10), secs(8.5),
		"SLA AT RISK: Order ORD-1 has 1.5s left to be shipped (85% of 10s used) - Item: Blue Jeans")})
	if got[0].RemainingSeconds != 1.5 {
		t.Errorf("remaining_seconds %v, want 1.5", got[0].RemainingSeconds)
	}
}
