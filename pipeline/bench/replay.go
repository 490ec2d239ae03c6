package bench

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/whatif"
)

// replayTarget is the speed whatif's engine aims at on this machine with
// the events in memory.
const replayTarget = 200_000

// replayStreamTarget is the share of an ordered consumer's own reading
// speed a replay from ORDER_EVENTS aims at.
const replayStreamTarget = 0.8

// benchReplay measures what `ordertrack whatif` replays per second: the
// sample scenario's events (spread over the stream, as on a real day) are
// stored in ORDER_EVENTS, then, in two rounds in alternating order, read
// back by an ordered consumer that does nothing else, and replayed from
// the stream under the configuration and one whose SLAs are half as long,
// as the command does (from creating the consumer to the judged result);
// then the engine alone replays the same events from memory (from the
// first Add to the judged result), twice. The best of each is reported with
// its CPU time an event, and the stream replay's share of the consumer's
// speed.
func (r *benchRun) benchReplay(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	base := r.cfg.Rules()
	// Event times well in the past, so that every event is valid on arrival.
	evs, err := sampleEvents(e, r.opts.Events, time.Now().Add(-2*(base.Delivery+time.Hour)), 50_000, 1)
	if err != nil {
		return err
	}
	for _, ev := range spread(evs) {
		if err := e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			return err
		}
	}
	if err := e.load.wait(2 * time.Minute); err != nil {
		return err
	}
	next := base
	next.Processing, next.Shipping, next.Delivery = base.Processing/2, base.Shipping/2, base.Delivery/2
	defer debug.SetGCPercent(debug.SetGCPercent(whatif.GCPercent))
	opts := whatif.Options{Base: base, New: next, MaxSkew: r.cfg.SLA.MaxClockSkew}
	var res whatif.Result
	replay := func(feed func(*whatif.Replay) error) func() (int, error) {
		return func() (int, error) {
			rp := whatif.New(opts)
			err := feed(rp)
			res = rp.Finish()
			if err != nil {
				return 0, err
			}
			return res.Events, checkReplayed(res, len(evs))
		}
	}
	fromStream := replay(func(rp *whatif.Replay) error {
		return whatif.ReadStream(ctx, e.pipeJS, contract.EventsStream, time.Time{}, rp, nil)
	})
	consumer := func() (int, error) { return readAlone(ctx, e.pipeJS, contract.EventsStream) }

	var alone, stream, engine speed
	for round := range 2 {
		first, second := alone.measure, stream.measure
		if round == 1 {
			first, second = stream.measure, alone.measure
		}
		fa, fb := consumer, fromStream
		if round == 1 {
			fa, fb = fromStream, consumer
		}
		if err := first(fa); err != nil {
			return err
		}
		if err := second(fb); err != nil {
			return err
		}
	}
	var events inputs
	if err := whatif.ReadStream(ctx, e.pipeJS, contract.EventsStream, time.Time{}, &events, nil); err != nil {
		return err
	}
	inMemory := replay(func(rp *whatif.Replay) error {
		for _, in := range events {
			rp.Add(in)
		}
		return nil
	})
	for range 2 {
		if err := engine.measure(inMemory); err != nil {
			return err
		}
	}
	shape := fmt.Sprintf("%d events of %d orders, both configurations", res.Events, res.Orders())
	r.report.atLeast("replay", "whatif engine, events in memory", engine.best, "events/s", replayTarget).Note = engine.note() + "; " + shape
	r.report.add("replay", "ordered consumer alone, reading ORDER_EVENTS", alone.best, "events/s").Note = alone.note()
	r.report.add("replay", "whatif replay from ORDER_EVENTS", stream.best, "events/s").Note = stream.note()
	r.report.atLeast("replay", "replay from ORDER_EVENTS / ordered consumer alone", stream.best/alone.best, "x", replayStreamTarget)
	return nil
}

// speed is the best of several timed runs, with the CPU time of the
// process (server and client) per event of that run.
type speed struct {
	best float64       // events/s
	cpu  time.Duration // an event, in the best run
}

// measure times f, which returns how many events it handled.
func (s *speed) measure(f func() (int, error)) error {
	cpu, begin := processCPU(), time.Now()
	n, err := f()
	if err != nil {
		return err
	}
	if rate := perSecond(n, time.Since(begin)); rate > s.best {
		s.best, s.cpu = rate, (processCPU()-cpu)/time.Duration(max(n, 1))
	}
	return nil
}

func (s speed) note() string {
	return fmt.Sprintf("best of 2; %.1f µs CPU an event", float64(s.cpu)/float64(time.Microsecond))
}

// inputs keeps what a reader feeds it.
type inputs []whatif.Input

func (in *inputs) Add(e whatif.Input) { *in = append(*in, e) }

func checkReplayed(res whatif.Result, want int) error {
	if res.Events != want || res.Invalid != 0 {
		return fmt.Errorf("replayed %d events (%d invalid), want %d valid", res.Events, res.Invalid, want)
	}
	return nil
}

// readAlone reads every event of a stream with an ordered consumer, as
// whatif's reader pulls them, and does nothing with them: the speed a
// replay from the stream is compared with.
func readAlone(ctx context.Context, js jetstream.JetStream, stream string) (int, error) {
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, err
	}
	defer func() { _ = contract.RemoveConsumer(ctx, js, stream, c) }()
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	total := int(info.NumPending)
	it, err := c.Messages(whatif.PullOptions()...)
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	for n := 0; n < total; n++ {
		if _, err := it.Next(); err != nil {
			return n, fmt.Errorf("read %s after %d of %d events: %w", stream, n, total, err)
		}
	}
	return total, nil
}
