package generator

import (
	"math/rand/v2"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// sampleGap is the fixed time between the stages of a sample order, before
// it is shortened to stay well within short SLAs.
const sampleGap = time.Second

// sample is the original's rate source: every order runs straight through
// placed, processing, shipped and delivered with short fixed gaps, no anomalies.
type sample struct{}

// anomalies is always false for the sample scenario.
func (sample) anomalies() bool { return false }

// eventsPerOrder is the four stages of the happy path.
func (sample) eventsPerOrder() float64 { return 4 }

// plan spaces the four stages one gap apart; it draws nothing at random.
func (sample) plan(_ *rand.Rand, rules order.Rules, _ pace) []step {
	gap := sampleStageGap(rules)
	return forwardSteps([]time.Duration{0, gap, 2 * gap, 3 * gap})
}

// maxSpan is the delivery, three gaps after placement.
func (sample) maxSpan(rules order.Rules) time.Duration { return 3 * sampleStageGap(rules) }

// sampleStageGap is one second, or less when needed to keep each stage
// within a quarter of its SLA (and delivery within a quarter of its SLA).
func sampleStageGap(rules order.Rules) time.Duration {
	gap := min(sampleGap, rules.Processing/4, rules.Shipping/4, rules.Delivery/12)
	return max(gap.Truncate(time.Millisecond), time.Millisecond)
}
