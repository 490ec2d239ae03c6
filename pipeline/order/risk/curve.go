package risk

import (
	"math"
	"sort"
	"time"
)

// Curve is the survival function of a Histogram's samples, frozen when it
// was built: S(t) = P(T > t). Within a bucket the samples are taken as
// spread evenly over it, so S falls linearly across a bucket from the share
// of samples at or above the bucket to the share above it; S is exact at
// every bucket bound, continuous, non-increasing, 1 at t <= 0 and 0 from the
// upper bound of the last non-empty bucket on.
//
// A Curve is built in one pass over the buckets (Histogram.Curve); Survival
// and Risk then cost one bucket lookup and Crossing a binary search over
// the buckets. It is immutable, so any number of goroutines may use it.
type Curve struct {
	// tail[i] is the number of samples in buckets i and above; tail[0] is
	// the total and tail[Buckets] is 0.
	tail [Buckets + 1]uint64
}

// Curve returns the survival function of h's samples as they are now.
func (h *Histogram) Curve() *Curve {
	c := new(Curve)
	for i := Buckets - 1; i >= 0; i-- {
		c.tail[i] = c.tail[i+1] + h.counts[i]
	}
	return c
}

// Count returns the number of samples the curve was built from. A curve of
// no samples has S = 0 everywhere and predicts nothing.
func (c *Curve) Count() uint64 { return c.tail[0] }

// above returns how many samples are taken to be longer than t, interpolated
// within t's bucket (see Curve).
func (c *Curve) above(t time.Duration) float64 {
	if t <= 0 {
		return float64(c.tail[0])
	}
	if t >= Ceiling {
		return 0
	}
	i := bucket(t)
	in := c.tail[i] - c.tail[i+1]
	frac := float64(t-bounds[i]) / float64(bounds[i+1]-bounds[i])
	return float64(c.tail[i]) - float64(in)*frac
}

// Survival returns S(t), the share of samples longer than t (0 for a curve
// of no samples).
func (c *Curve) Survival(t time.Duration) float64 {
	if c.tail[0] == 0 {
		return 0
	}
	return c.above(t) / float64(c.tail[0])
}

// Risk returns P(T > deadline | T > elapsed) = S(deadline) / S(elapsed): the
// probability that a stage still running after elapsed will not have ended
// by deadline (both measured from the stage's start, as the SLA counts).
// Edge cases:
//   - elapsed >= deadline: 1 (the deadline has passed and the stage runs on);
//   - a negative elapsed counts as 0;
//   - S(elapsed) = 0 with elapsed < deadline: 0. No sample ran that long, so
//     none ran past the later deadline either: the curve predicts nothing
//     past its longest sample (the deadline itself will breach). This keeps
//     Risk non-decreasing in elapsed, and a curve of no samples at 0.
func (c *Curve) Risk(deadline, elapsed time.Duration) float64 {
	elapsed = max(elapsed, 0)
	if elapsed >= deadline {
		return 1
	}
	since := c.above(elapsed)
	if since == 0 {
		return 0
	}
	return c.above(deadline) / since
}

// Crossing returns the first elapsed time e in [0, deadline) at which
// Risk(deadline, e) >= threshold, rounded up to the nanosecond, and false
// when there is none before the deadline: no sample ran past the deadline
// (Risk stays 0 until it), the deadline is not positive, or threshold is
// above 1 or NaN. A threshold <= 0 is reached at once.
//
// Since Risk only grows with e, this is the one instant an SLA needs
// checking at. It is found in closed form: Risk >= threshold is
// above(e) <= above(deadline)/threshold, above falls linearly within each
// bucket, so a binary search over the buckets' tail counts finds the bucket
// where it crosses that level and the crossing is interpolated within it.
func (c *Curve) Crossing(deadline time.Duration, threshold float64) (time.Duration, bool) {
	switch {
	case deadline <= 0 || !(threshold <= 1):
		return 0, false
	case threshold <= 0:
		return 0, true
	}
	late := c.above(deadline)
	if late == 0 {
		return 0, false
	}
	level := late / threshold
	if float64(c.tail[0]) <= level {
		return 0, true
	}
	// The first bound whose tail is at or below level; tail[0] is above it
	// and tail[Buckets] = 0 is below, so 1 <= j <= Buckets.
	j := sort.Search(Buckets+1, func(j int) bool { return float64(c.tail[j]) <= level })
	i := j - 1
	in := float64(c.tail[i] - c.tail[j])
	frac := min((float64(c.tail[i])-level)/in, 1)
	e := bounds[i] + time.Duration(math.Ceil(frac*float64(bounds[j]-bounds[i])))
	if e >= deadline {
		return 0, false
	}
	return e, true
}
