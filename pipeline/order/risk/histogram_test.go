package risk

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// TestBounds pins the bucket layout: bounds are 1 ms * 2^(j/16) rounded to
// the nanosecond (computed independently to 50 digits), below 1 ms is one
// bucket and durations past Ceiling count in the last one.
func TestBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d      time.Duration
		lo, hi time.Duration
	}{
		{-time.Hour, 0, time.Millisecond},
		{0, 0, time.Millisecond},
		{time.Millisecond - 1, 0, time.Millisecond},
		{time.Millisecond, time.Millisecond, 1044274},
		{1044273, time.Millisecond, 1044274},
		{1044274, 1044274, bounds[3]},
		{2 * time.Millisecond, 2 * time.Millisecond, 2088548},
		{time.Second, 980585759, 1024 * time.Millisecond},
		{1024 * time.Millisecond, 1024 * time.Millisecond, 1069336353},
		{2048 * time.Millisecond, 2048 * time.Millisecond, 2138672706},
		{4096 * time.Millisecond, 4096 * time.Millisecond, 4277345413},
		{Ceiling - 1, 65805996370282910, Ceiling},
		{Ceiling, 65805996370282910, Ceiling},
		{1000 * 24 * time.Hour, 65805996370282910, Ceiling},
		{math.MaxInt64, 65805996370282910, Ceiling},
	} {
		lo, hi := Bounds(c.d)
		if lo != c.lo || hi != c.hi {
			t.Errorf("Bounds(%d) = [%d, %d), want [%d, %d)", c.d, lo, hi, c.lo, c.hi)
		}
	}
	if Ceiling != 68719476736*time.Millisecond || Ceiling < 400*24*time.Hour {
		t.Errorf("Ceiling = %v, want 2^36 ms, past 400 days", Ceiling)
	}
	// Every bucket is 2^(1/16) times the previous one, to the rounding.
	for i := 2; i < Buckets; i++ {
		ratio := float64(bounds[i+1]) / float64(bounds[i])
		if math.Abs(ratio-math.Exp2(1.0/PerOctave)) > 1e-6 {
			t.Fatalf("bucket %d: [%d, %d) spans ratio %v", i, bounds[i], bounds[i+1], ratio)
		}
		for _, d := range []time.Duration{bounds[i], bounds[i+1] - 1} {
			if lo, hi := Bounds(d); lo != bounds[i] || hi != bounds[i+1] {
				t.Fatalf("Bounds(%d) = [%d, %d), want bucket %d [%d, %d)", d, lo, hi, i, bounds[i], bounds[i+1])
			}
		}
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	var h Histogram
	for _, d := range []time.Duration{-time.Second, 0, 999 * time.Microsecond, time.Second, time.Second, 2000 * 24 * time.Hour} {
		h.Add(d)
	}
	want := map[int]uint64{0: 3, bucket(time.Second): 2, Buckets - 1: 1}
	for i, c := range h.counts {
		if c != want[i] {
			t.Errorf("bucket %d [%d, %d) holds %d, want %d", i, bounds[i], bounds[i+1], c, want[i])
		}
	}
	if h.Count() != 6 {
		t.Errorf("Count = %d, want 6", h.Count())
	}
	if size := unsafe.Sizeof(h); size != 4624 {
		t.Errorf("a Histogram is %d bytes, the package doc says 4,624", size)
	}

	full := Histogram{total: math.MaxUint64}
	full.counts[5] = math.MaxUint64
	before := full
	full.Add(time.Second)
	if full != before {
		t.Error("Add to a histogram of math.MaxUint64 samples changed it")
	}
}

// randomHistogram adds up to n samples from a few log-normal clusters
// anywhere between 1 µs and 1000 days (so the ends are clamped sometimes).
func randomHistogram(r *rand.Rand, n int) Histogram {
	var h Histogram
	for range r.IntN(4) + 1 {
		center := math.Exp(r.Float64()*math.Log(1e18/1e3)) * 1e3 // ns
		spread := r.Float64() * 2
		for range r.IntN(n + 1) {
			h.Add(time.Duration(center * math.Exp(spread*r.NormFloat64())))
		}
	}
	return h
}

func merged(hs ...Histogram) Histogram {
	var out Histogram
	for _, h := range hs {
		if err := out.Merge(&h); err != nil {
			panic(err)
		}
	}
	return out
}

// TestMergeProperties: merging is exact (the histogram of all samples),
// associative and commutative, with the empty histogram as identity.
func TestMergeProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		a, b, c := randomHistogram(r, 200), randomHistogram(r, 200), randomHistogram(r, 5)
		ab, ba := merged(a, b), merged(b, a)
		if ab != ba {
			t.Fatal("a+b != b+a")
		}
		left := merged(ab, c)
		bc := merged(b, c)
		if right := merged(a, bc); left != right {
			t.Fatal("(a+b)+c != a+(b+c)")
		}
		if merged(a, Histogram{}) != a || merged(Histogram{}, a) != a {
			t.Fatal("a+0 != a")
		}
		if left.Count() != a.Count()+b.Count()+c.Count() {
			t.Fatalf("Count %d, want %d", left.Count(), a.Count()+b.Count()+c.Count())
		}
	}

	// The histogram of all samples, however they were split.
	var all Histogram
	parts := make([]Histogram, 7)
	for range 5000 {
		d := time.Duration(r.ExpFloat64() * float64(time.Hour))
		all.Add(d)
		parts[r.IntN(len(parts))].Add(d)
	}
	r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	if merged(parts...) != all {
		t.Error("merging the parts differs from adding every sample to one histogram")
	}
}

func TestMergeOverflow(t *testing.T) {
	t.Parallel()
	var a, b Histogram
	a.counts[7], a.total = math.MaxUint64-1, math.MaxUint64-1
	b.Add(time.Second)
	b.Add(time.Minute)
	before := a
	if err := a.Merge(&b); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Merge past math.MaxUint64: %v, want ErrOverflow", err)
	}
	if a != before {
		t.Error("a failed Merge changed the histogram")
	}
	b = Histogram{}
	b.Add(time.Second)
	if err := a.Merge(&b); err != nil || a.Count() != math.MaxUint64 {
		t.Errorf("Merge up to math.MaxUint64: %v, Count %d", err, a.Count())
	}
}
