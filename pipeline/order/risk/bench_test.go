package risk

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// stageDurations are 1,024 log-normal stage times around 20 minutes.
func stageDurations() []time.Duration {
	r := rand.New(rand.NewPCG(11, 12))
	ds := make([]time.Duration, 1024)
	for i := range ds {
		ds[i] = time.Duration(math.Exp(math.Log(1200)+0.5*r.NormFloat64()) * 1e9)
	}
	return ds
}

func BenchmarkAdd(b *testing.B) {
	ds := stageDurations()
	var h Histogram
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Add(ds[i&1023])
		i++
	}
}

// BenchmarkCrossing: the one question asked when an SLA starts, on a curve
// of 100,000 samples, for deadlines across the distribution.
func BenchmarkCrossing(b *testing.B) {
	ds := stageDurations()
	var h Histogram
	for i := range 100000 {
		h.Add(ds[i&1023] + time.Duration(i))
	}
	c := h.Curve()
	deadlines := []time.Duration{10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 45 * time.Minute, time.Hour}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Crossing(deadlines[i%len(deadlines)], 0.8)
		i++
	}
}

func BenchmarkRisk(b *testing.B) {
	ds := stageDurations()
	var h Histogram
	for _, d := range ds {
		h.Add(d)
	}
	c := h.Curve()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Risk(30*time.Minute, ds[i&1023]/2)
		i++
	}
}

// BenchmarkCurve: building the curve once the model changed.
func BenchmarkCurve(b *testing.B) {
	var h Histogram
	for _, d := range stageDurations() {
		h.Add(d)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Curve()
	}
}

func BenchmarkMerge(b *testing.B) {
	var h, batch Histogram
	for _, d := range stageDurations() {
		batch.Add(d)
	}
	b.ReportAllocs()
	for b.Loop() {
		h = Histogram{}
		if err := h.Merge(&batch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	var h Histogram
	for _, d := range stageDurations() {
		h.Add(d)
	}
	buf := make([]byte, 0, MaxEncodedLen)
	var back Histogram
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = h.AppendBinary(buf[:0])
		if err := back.UnmarshalBinary(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/value")
}
