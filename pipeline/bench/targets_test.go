package bench

import (
	"math"
	"testing"
)

func TestLatencyTargetPerRate(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want float64
		ok   bool
	}{
		{1_000, 30, true},
		{5_000, 30, true},
		{5_001, 60, true},
		{10_000, 60, true},
		{10_001, 0, false},
	} {
		got, ok := latencyTarget(c.rate)
		if got != c.want || ok != c.ok {
			t.Errorf("latencyTarget(%v) = %v, %v; want %v, %v", c.rate, got, ok, c.want, c.ok)
		}
	}
}

func TestRoundTripAddsTimesPerMessage(t *testing.T) {
	for _, c := range []struct {
		publish, consume, want float64
	}{
		{100, 100, 50},
		{151_759, 179_041, 82_137.5},
		{0, 100, 0},
		{100, 0, 0},
	} {
		if got := roundTrip(c.publish, c.consume); math.Abs(got-c.want) > 0.1 {
			t.Errorf("roundTrip(%v, %v) = %v; want %v", c.publish, c.consume, got, c.want)
		}
	}
}
