package risk

import (
	"math"
	"math/big"
	"time"
)

// The bucket layout. Changing any of these changes the meaning of stored
// histograms: the encoding carries them, and a decoder refuses another
// layout.
const (
	// PerOctave is the number of buckets per doubling of the duration: bucket
	// bounds grow by 2^(1/16) = 1.0443 each, so a bucket spans 4.43% of its
	// lower bound.
	PerOctave = 16

	// Octaves is the number of doublings above Floor the buckets cover.
	Octaves = 36

	// Floor is the lower bound of the first geometric bucket; shorter
	// durations (and negative ones) count in one bucket [0, Floor).
	Floor = time.Millisecond

	// Ceiling is the upper bound of the last bucket, Floor * 2^36 (795 days);
	// longer durations count in the last bucket.
	Ceiling = Floor << Octaves

	// Buckets is the number of buckets: [0, Floor) and 576 geometric ones.
	Buckets = 1 + Octaves*PerOctave
)

// bounds[i] and bounds[i+1] are bucket i's lower (inclusive) and upper
// (exclusive) bounds: 0, then Floor*2^(j/16) for j = 0..576 rounded to the
// nearest nanosecond (bounds[577] is exactly Ceiling). They are computed in
// 128-bit floating point, so every build agrees on them to the nanosecond
// (float64 would be 8 ns off near Ceiling).
var bounds = func() (b [Buckets + 1]time.Duration) {
	const prec = 128
	root := new(big.Float).SetPrec(prec).SetInt64(2) // 2^(1/16): four square roots
	for range 4 {
		root.Sqrt(root)
	}
	step := new(big.Float).SetPrec(prec).SetInt64(int64(Floor)) // Floor*2^(k/16)
	var steps [PerOctave]*big.Float
	for k := range steps {
		steps[k] = new(big.Float).Copy(step)
		step.Mul(step, root)
	}
	half := big.NewFloat(0.5)
	for j := 0; j <= Octaves*PerOctave; j++ {
		x := new(big.Float).SetPrec(prec).SetMantExp(steps[j%PerOctave], j/PerOctave)
		n, _ := x.Add(x, half).Int64()
		b[1+j] = time.Duration(n)
	}
	return b
}()

// bucket returns the index of the bucket d counts in.
func bucket(d time.Duration) int {
	switch {
	case d < Floor:
		return 0
	case d >= Ceiling:
		return Buckets - 1
	}
	i := 1 + int(PerOctave*math.Log2(float64(d)/float64(Floor)))
	i = min(max(i, 1), Buckets-1)
	for bounds[i] > d {
		i--
	}
	for bounds[i+1] <= d {
		i++
	}
	return i
}

// Bounds returns the bucket a duration d counts in: lo <= d < hi, except
// that a d at or past Ceiling counts in the last bucket and a negative d in
// [0, Floor). It is the model's resolution at d.
func Bounds(d time.Duration) (lo, hi time.Duration) {
	i := bucket(d)
	return bounds[i], bounds[i+1]
}

// Histogram counts durations in Buckets log-spaced buckets. The zero value
// is empty and ready to use; two histograms are equal (==) when they hold
// the same counts. It is 4,624 bytes and never grows.
type Histogram struct {
	counts [Buckets]uint64
	total  uint64
}

// Add counts one duration (in its bucket; see Bounds). A histogram that
// already holds math.MaxUint64 samples stays as it is.
func (h *Histogram) Add(d time.Duration) {
	if h.total == math.MaxUint64 {
		return
	}
	h.counts[bucket(d)]++
	h.total++
}

// Count returns the number of samples h holds.
func (h *Histogram) Count() uint64 { return h.total }

// Merge adds o's counts to h, bucket by bucket: the result is the histogram
// of both sets of samples, whatever the order of merges. When the total
// would exceed math.MaxUint64 it returns ErrOverflow and leaves h as it was.
func (h *Histogram) Merge(o *Histogram) error {
	if h.total > math.MaxUint64-o.total {
		return ErrOverflow
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	return nil
}
