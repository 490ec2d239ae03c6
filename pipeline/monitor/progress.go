package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Sample is the pipeline's input progress at one moment, read from NATS.
type Sample struct {
	At         time.Time
	Stored     uint64 // last sequence of ORDER_EVENTS: input events ever stored
	Partitions []Partition
}

// TakeSample reads the input stream's last sequence and every partition's
// consumers.
func TakeSample(ctx context.Context, js jetstream.JetStream, topo contract.Topology) (Sample, error) {
	s, err := js.Stream(ctx, contract.EventsStream)
	if err != nil {
		return Sample{}, fmt.Errorf("stream %s: %w", contract.EventsStream, err)
	}
	parts, err := Partitions(ctx, js, topo)
	if err != nil {
		return Sample{}, err
	}
	return Sample{At: time.Now(), Stored: s.CachedInfo().State.LastSeq, Partitions: parts}, nil
}

// Processed returns the input events handled so far: those stored that are
// neither pending nor awaiting an ack on their partition's consumer.
// Events removed by retention before being delivered count as handled.
func (s Sample) Processed() uint64 {
	var open uint64
	for _, p := range s.Partitions {
		if p.Events != nil {
			open += p.Events.NumPending + uint64(p.Events.NumAckPending)
		}
	}
	if open > s.Stored {
		return 0
	}
	return s.Stored - open
}

// Rates returns the input and processing rates, in events per second,
// between an earlier sample a and a later sample b.
func Rates(a, b Sample) (input, processed float64) {
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 {
		return 0, 0
	}
	return float64(b.Stored-min(a.Stored, b.Stored)) / dt, float64(b.Processed()-min(a.Processed(), b.Processed())) / dt
}

// Behind returns how long the oldest event of a partition not yet acked
// has been waiting (0 when all are acked): one message read, by subject,
// from just past the consumer's ack floor.
func Behind(ctx context.Context, js jetstream.JetStream, topo contract.Topology, p Partition, now time.Time) (time.Duration, error) {
	if p.Events == nil || p.Events.NumPending+uint64(p.Events.NumAckPending) == 0 {
		return 0, nil
	}
	s, err := js.Stream(ctx, contract.EventsStream)
	if err != nil {
		return 0, err
	}
	m, err := s.GetMsg(ctx, p.Events.AckFloor.Stream+1, jetstream.WithGetMsgSubject(topo.PartitionFilter(p.Index)))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return max(now.Sub(m.Time), 0), nil
}

// RateSamples is how many sampling intervals rates are averaged over:
// input arrives in bursts and partitions process in micro-batches, so
// rates between two samples a second or two apart swing well above and
// below the true rate (8.9 and 14.7 events/s were shown while 20/s were
// sent). The monitor samples every 2 s, so its rates cover 10 s.
const RateSamples = 5

// RateSpan is the time rates are averaged over when a RateWindow has no
// Span: RateSamples of the monitor's default 2-s sampling.
const RateSpan = 10 * time.Second

// RateWindow keeps the progress samples of the last Span, so that rates
// are taken over Span rather than between the two latest samples.
type RateWindow struct {
	// Span is the time rates are averaged over; 0 means RateSpan.
	Span    time.Duration
	samples []Sample
}

func (w *RateWindow) span() time.Duration {
	if w.Span <= 0 {
		return RateSpan
	}
	return w.Span
}

// Add keeps s, the latest sample, and drops the samples no longer needed:
// all but the latest taken at or before s.At-Span.
func (w *RateWindow) Add(s Sample) {
	w.samples = append(w.samples, s)
	cut := s.At.Add(-w.span())
	i := 0
	for i+1 < len(w.samples) && !w.samples[i+1].At.After(cut) {
		i++
	}
	w.samples = append(w.samples[:0], w.samples[i:]...)
}

// From returns the sample that rates at now are measured from: the latest
// taken at or before now-Span, else the oldest kept (the window is not
// full yet); false when none is kept.
func (w *RateWindow) From(now time.Time) (Sample, bool) {
	if len(w.samples) == 0 {
		return Sample{}, false
	}
	from := w.samples[0]
	for _, s := range w.samples[1:] {
		if s.At.After(now.Add(-w.span())) {
			break
		}
		from = s
	}
	return from, true
}
