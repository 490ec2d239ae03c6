package risk

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// A distribution of stage durations whose crossing is known analytically.
type distribution struct {
	name   string
	cdf    func(t float64) float64 // P(T <= t), t in seconds
	sample func(r *rand.Rand) float64
	// crossing returns the e (seconds) with S(deadline)/S(e) = threshold.
	crossing func(deadline, threshold float64) float64
}

func exponential(mean float64) distribution {
	return distribution{
		name:     "exponential",
		cdf:      func(t float64) float64 { return -math.Expm1(-t / mean) },
		sample:   func(r *rand.Rand) float64 { return r.ExpFloat64() * mean },
		crossing: func(d, th float64) float64 { return d + mean*math.Log(th) },
	}
}

func logNormal(median, sigma float64) distribution {
	mu := math.Log(median)
	surv := func(t float64) float64 { return math.Erfc((math.Log(t)-mu)/(sigma*math.Sqrt2)) / 2 }
	return distribution{
		name:   "log-normal",
		cdf:    func(t float64) float64 { return 1 - surv(t) },
		sample: func(r *rand.Rand) float64 { return math.Exp(mu + sigma*r.NormFloat64()) },
		crossing: func(d, th float64) float64 {
			return math.Exp(mu + sigma*math.Sqrt2*math.Erfcinv(2*surv(d)/th))
		},
	}
}

// exactMass is the histogram of n samples of dist spread exactly as dist
// says (each bucket holds n times its probability, rounded): no sampling
// error, only the histogram's.
func exactMass(dist distribution, n float64) *Histogram {
	var h Histogram
	for i := range Buckets {
		lo, hi := bounds[i].Seconds(), bounds[i+1].Seconds()
		p := dist.cdf(hi) - dist.cdf(lo)
		if i == Buckets-1 {
			p = 1 - dist.cdf(lo)
		}
		h.counts[i] = uint64(math.Round(n * p))
		h.total += h.counts[i]
	}
	return &h
}

// TestCrossingKnownDistributions: for exponential and log-normal stage
// durations, the crossing the curve gives is within the histogram's
// resolution (the width of the bucket the analytic crossing lies in) of
// the analytic one, from exact bucket masses and from 200,000 samples.
func TestCrossingKnownDistributions(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		dist      distribution
		deadline  time.Duration
		threshold float64
	}{
		{exponential(300), 10 * time.Minute, 0.8}, // mean 5 min: e = 10 min + 5 min * ln 0.8 = 533.06 s
		{exponential(300), 10 * time.Minute, 0.5},
		{exponential(4 * 3600), 24 * time.Hour, 0.9},
		{logNormal(1200, 0.5), 30 * time.Minute, 0.7}, // median 20 min
		{logNormal(1200, 0.5), time.Hour, 0.8},        // deep in the tail: S(1 h) = 1.4%
		{logNormal(2*86400, 1), 3 * 24 * time.Hour, 0.6},
	} {
		want := time.Duration(c.dist.crossing(c.deadline.Seconds(), c.threshold) * 1e9)
		lo, hi := Bounds(want)
		for _, how := range []string{"exact masses", "200000 samples"} {
			h := exactMass(c.dist, 1e9)
			if how != "exact masses" {
				h = new(Histogram)
				for range 200000 {
					h.Add(time.Duration(c.dist.sample(r) * 1e9))
				}
			}
			got, ok := h.Curve().Crossing(c.deadline, c.threshold)
			off := got - want
			if !ok || off.Abs() > hi-lo {
				t.Errorf("%s, D %v, threshold %v, %s: Crossing = %v, %v; analytic %v, resolution %v",
					c.dist.name, c.deadline, c.threshold, how, got, ok, want, hi-lo)
				continue
			}
			t.Logf("%s, D %v, threshold %v, %s: crossing %v, analytic %v: off by %v (%.3f%%; bucket %v)",
				c.dist.name, c.deadline, c.threshold, how, got.Round(time.Millisecond), want.Round(time.Millisecond),
				off.Round(time.Millisecond), 100*math.Abs(off.Seconds())/want.Seconds(), (hi - lo).Round(time.Millisecond))
		}
	}
}
