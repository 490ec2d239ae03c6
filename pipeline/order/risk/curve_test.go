package risk

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Bucket bounds the hand-built histogram's samples fall on (see TestBounds):
// 4 samples in [1.024 s, 1069336353 ns), 4 in [2.048 s, 2138672706 ns) and
// 2 in [4.096 s, 4277345413 ns). S is 1 up to 1.024 s, 0.6 from 1069336353
// ns to 2.048 s, 0.2 from 2138672706 ns to 4.096 s and 0 from 4277345413 ns.
const (
	b1024, e1024 = 1024 * time.Millisecond, 1069336353
	b2048, e2048 = 2048 * time.Millisecond, 2138672706
	b4096, e4096 = 4096 * time.Millisecond, 4277345413
	mid2048      = b2048 + (e2048-b2048)/2 // 2093336353: halfway, exactly
)

func handBuilt() *Curve {
	var h Histogram
	for range 4 {
		h.Add(b1024)
		h.Add(b2048)
	}
	h.Add(b4096)
	h.Add(b4096 + time.Millisecond)
	return h.Curve()
}

func TestSurvival(t *testing.T) {
	t.Parallel()
	c := handBuilt()
	for _, tc := range []struct {
		t    time.Duration
		want float64
	}{
		{-time.Second, 1},
		{0, 1},
		{time.Second, 1},
		{b1024, 1},
		{b1024 + (e1024-b1024)/4 + 1, 1 - 0.4/4}, // a quarter in (45336353/4 rounds down)
		{e1024, 0.6},
		{1500 * time.Millisecond, 0.6},
		{b2048, 0.6},
		{mid2048, 0.4},
		{e2048, 0.2},
		{3 * time.Second, 0.2},
		{b4096, 0.2},
		{e4096, 0},
		{time.Hour, 0},
		{Ceiling, 0},
		{math.MaxInt64, 0},
	} {
		if got := c.Survival(tc.t); math.Abs(got-tc.want) > 1e-8 {
			t.Errorf("S(%d) = %v, want %v", tc.t, got, tc.want)
		}
	}
	if c.Count() != 10 {
		t.Errorf("Count = %d, want 10", c.Count())
	}
}

func TestRisk(t *testing.T) {
	t.Parallel()
	c := handBuilt()
	for _, tc := range []struct {
		name              string
		deadline, elapsed time.Duration
		want              float64
	}{
		{"at the start: S(D)", b4096, 0, 0.2},
		{"a negative elapsed counts as 0", b4096, -time.Second, 0.2},
		{"after the first group", b4096, e1024, 0.2 / 0.6},
		{"halfway through the second group", b4096, mid2048, 0.2 / 0.4},
		{"past the second group", b4096, 3 * time.Second, 1},
		{"deadline halfway through a group", mid2048, b1024, 0.4},
		{"deadline in a gap", 3 * time.Second, b2048, 0.2 / 0.6},
		{"no sample ran past the deadline", 10 * time.Second, 0, 0},
		{"no sample ran as long as elapsed", 10 * time.Second, 5 * time.Second, 0},
		{"elapsed equals the deadline", 3 * time.Second, 3 * time.Second, 1},
		{"past the deadline", 3 * time.Second, 5 * time.Second, 1},
		{"past a deadline beyond every sample", 10 * time.Second, 11 * time.Second, 1},
		{"deadline 0", 0, 0, 1},
		{"negative deadline", -time.Second, 0, 1},
	} {
		if got := c.Risk(tc.deadline, tc.elapsed); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Risk(%v, %v) = %v, want %v", tc.name, tc.deadline, tc.elapsed, got, tc.want)
		}
	}

	empty := new(Histogram).Curve()
	if r := empty.Risk(time.Minute, 0); r != 0 {
		t.Errorf("empty curve: Risk before the deadline = %v, want 0", r)
	}
	if r := empty.Risk(time.Minute, time.Minute); r != 1 {
		t.Errorf("empty curve: Risk at the deadline = %v, want 1", r)
	}
	if s := empty.Survival(0); s != 0 {
		t.Errorf("empty curve: S(0) = %v, want 0", s)
	}
}

func TestCrossing(t *testing.T) {
	t.Parallel()
	c := handBuilt()
	type want struct {
		at time.Duration
		ok bool
	}
	for _, tc := range []struct {
		name      string
		deadline  time.Duration
		threshold float64
		want      want
	}{
		// level = samples past the deadline / threshold; the crossing is
		// where the samples taken to be longer than e fall to it.
		{"halfway through the second group", b4096, 0.5, want{mid2048, true}},
		{"halfway through the first group", b4096, 0.25, want{b1024 + 22668177, true}},    // ceil(45336353/2)
		{"seven eighths, rounded up", 3 * time.Second, 0.8, want{b2048 + 79338618, true}}, // ceil(0.875 * 90672706)
		{"1 at the end of the second group", b4096, 1, want{e2048, true}},
		{"S(D) already at the threshold", b4096, 0.2, want{0, true}},
		{"S(D) above the threshold", b4096, 0.1, want{0, true}},
		{"threshold 0", b4096, 0, want{0, true}},
		{"negative threshold", b4096, -1, want{0, true}},
		{"risk reaches 1 only at the deadline", e2048, 1, want{0, false}},
		{"no sample ran past the deadline", 10 * time.Second, 0.5, want{0, false}},
		{"deadline 0", 0, 0.5, want{0, false}},
		{"negative deadline", -time.Second, 0.5, want{0, false}},
		{"threshold above 1", b4096, 1.5, want{0, false}},
		{"threshold NaN", b4096, math.NaN(), want{0, false}},
	} {
		at, ok := c.Crossing(tc.deadline, tc.threshold)
		if (want{at, ok}) != tc.want {
			t.Errorf("%s: Crossing(%v, %v) = %d, %v; want %d, %v", tc.name, tc.deadline, tc.threshold, at, ok, tc.want.at, tc.want.ok)
		}
	}
	if _, ok := new(Histogram).Curve().Crossing(time.Minute, 0.5); ok {
		t.Error("an empty curve crosses a threshold")
	}
}

// probes returns elapsed times to try against deadline: the bounds of the
// buckets around it and around c's samples, and random ones.
func probes(r *rand.Rand, deadline time.Duration) []time.Duration {
	ps := []time.Duration{0, 1, deadline - 1, deadline, deadline + 1}
	for range 40 {
		ps = append(ps, time.Duration(r.Int64N(int64(max(deadline, 1))*2)))
		i := r.IntN(Buckets + 1)
		ps = append(ps, bounds[i]-1, bounds[i], bounds[i]+1)
	}
	return ps
}

// randomDeadline is mostly near the histogram's samples.
func randomDeadline(r *rand.Rand, h *Histogram) time.Duration {
	if r.IntN(10) == 0 || h.total == 0 {
		return time.Duration(r.Int64N(int64(Ceiling)))
	}
	for {
		i := r.IntN(Buckets)
		if h.counts[i] > 0 {
			return bounds[i] + time.Duration(r.Int64N(int64(bounds[i+1]-bounds[i])))
		}
	}
}

// TestRiskMonotone: for any histogram and deadline, Risk never falls as the
// elapsed time grows (exactly, not within a tolerance).
func TestRiskMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		h := randomHistogram(r, 300)
		c := h.Curve()
		deadline := randomDeadline(r, &h)
		ps := probes(r, deadline)
		for _, e1 := range ps {
			for _, e2 := range ps {
				if e1 < e2 && c.Risk(deadline, e1) > c.Risk(deadline, e2) {
					t.Fatalf("Risk(%d, %d) = %v > Risk(%d, %d) = %v", deadline, e1, c.Risk(deadline, e1), deadline, e2, c.Risk(deadline, e2))
				}
			}
		}
	}
}

// TestCrossingIsFirst: Crossing is where Risk reaches the threshold, and
// Risk is below it at every earlier instant (to float rounding); without a
// crossing, Risk stays below the threshold until the deadline.
func TestCrossingIsFirst(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	const tol = 1e-9
	crossed := 0
	for range 2000 {
		h := randomHistogram(r, 300)
		c := h.Curve()
		deadline := randomDeadline(r, &h)
		threshold := r.Float64()
		at, ok := c.Crossing(deadline, threshold)
		if ok {
			crossed++
			if at < 0 || at >= deadline {
				t.Fatalf("Crossing(%d, %v) = %d, outside [0, deadline)", deadline, threshold, at)
			}
			if got := c.Risk(deadline, at); got < threshold-tol {
				t.Fatalf("Risk(%d, Crossing = %d) = %v < threshold %v", deadline, at, got, threshold)
			}
		}
		end := deadline
		if ok {
			end = at
		}
		for _, e := range append(probes(r, deadline), end-1) {
			if e >= 0 && e < end {
				if got := c.Risk(deadline, e); got > threshold+tol || (!ok && got >= threshold) {
					t.Fatalf("Risk(%d, %d) = %v reaches %v before Crossing = %d, %v", deadline, e, got, threshold, at, ok)
				}
			}
		}
	}
	if crossed < 500 {
		t.Errorf("only %d of 2000 cases crossed: the generator tests too little", crossed)
	}
}
