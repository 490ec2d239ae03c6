package monitor

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestRates(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	part := func(pending uint64, ack int) []Partition {
		return []Partition{{Events: &jetstream.ConsumerInfo{NumPending: pending, NumAckPending: ack}}}
	}
	a := Sample{At: at, Stored: 100, Partitions: part(10, 5)}                      // 85 processed
	b := Sample{At: at.Add(2 * time.Second), Stored: 160, Partitions: part(20, 0)} // 140 processed
	in, done := Rates(a, b)
	if in != 30 || done != 27.5 {
		t.Errorf("Rates = %v in, %v processed; want 30, 27.5", in, done)
	}
	if in, done := Rates(b, b); in != 0 || done != 0 {
		t.Errorf("Rates over no time = %v, %v", in, done)
	}
	if got := (Sample{Stored: 3, Partitions: part(5, 0)}).Processed(); got != 0 {
		t.Errorf("Processed with more pending than stored = %d", got)
	}
}

// TestRateWindow: 20 events/s stored in a burst of 200 every 10 s, each
// burst processed by the next 2-s sample, read 100 or 0 events/s between
// two samples; over the 10 s window, exactly 20 in and 20 processed.
func TestRateWindow(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	sample := func(i int) Sample {
		stored, open := uint64((i+4)/5)*200, uint64(0) // bursts at samples 1, 6, 11, ...
		if i%5 == 1 {
			open = 200
		}
		return Sample{At: at.Add(time.Duration(2*i) * time.Second), Stored: stored,
			Partitions: []Partition{{Events: &jetstream.ConsumerInfo{NumPending: open}}}}
	}
	var w RateWindow
	if _, ok := w.From(at); ok {
		t.Fatal("From of an empty window found a sample")
	}
	for i := 0; i <= 20; i++ {
		s := sample(i)
		from, ok := w.From(s.At)
		switch {
		case i == 0 && ok:
			t.Fatal("From of an empty window found a sample")
		case i > 0 && i < 5:
			if !from.At.Equal(at) {
				t.Errorf("sample %d: a window not yet full measures from %v, want the first sample", i, from.At.Sub(at))
			}
		case i >= 5:
			if s.At.Sub(from.At) != 10*time.Second {
				t.Fatalf("sample %d: window from %v, want 10 s before %v", i, from.At.Sub(at), s.At.Sub(at))
			}
			if in, done := Rates(from, s); in != 20 || done != 20 {
				t.Errorf("sample %d: over the window %v in, %v processed events/s; want 20 and 20", i, in, done)
			}
			if in, _ := Rates(sample(i-1), s); in != 100 && in != 0 {
				t.Errorf("sample %d: between two samples %v events/s, want the bursts' 100 or 0", i, in)
			}
		}
		w.Add(s)
	}
	if n := len(w.samples); n != 6 {
		t.Errorf("window keeps %d samples, want 6 (10 s of 2-s samples and the one before)", n)
	}
}
