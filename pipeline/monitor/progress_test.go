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
