package bench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// latencyPreroll starts the sample scenario's virtual clock this long
// before the phase, so the offered rate is steady from the first second
// (orders already under way publish their later stages).
const latencyPreroll = 4 * time.Second

// latencies matches outputs to the inputs that caused them and records the
// time from input publish to output arrival.
type latencies struct {
	mu      sync.Mutex
	sent    map[string]time.Time // order id + "|" + input event type
	got     []time.Duration
	matched int
	// begin and span are the offered period; thirds holds the latencies
	// of the inputs published in each third of it, to show a tail that
	// grows over the run.
	begin  time.Time
	span   time.Duration
	thirds [3][]time.Duration
}

func (l *latencies) published(key string, at time.Time) {
	l.mu.Lock()
	l.sent[key] = at
	l.mu.Unlock()
}

// received handles one output on <prefix>.updates.<order_id>.
func (l *latencies) received(m *nats.Msg) {
	now := time.Now()
	id := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	typ := jsonString(m.Data, `"event_type":"`)
	if typ == string(order.UpdateConfirmed) {
		typ = string(order.OrderPlaced)
	}
	key := id + "|" + typ
	l.mu.Lock()
	defer l.mu.Unlock()
	if at, ok := l.sent[key]; ok {
		delete(l.sent, key)
		l.got = append(l.got, now.Sub(at))
		if l.span > 0 {
			i := min(max(int(3*at.Sub(l.begin)/l.span), 0), 2)
			l.thirds[i] = append(l.thirds[i], now.Sub(at))
		}
		l.matched++
	}
}

// stageTimes are the committed inputs' times in each stage of their
// batches (pipeline.Stages), from the pipeline's own trace: the same
// breakdown as ordertrack_stage_seconds, with exact percentiles.
type stageTimes struct {
	mu sync.Mutex
	d  [len(pipeline.Stages)][]time.Duration
	// batchTime is each batch's time from taken to acked, sizes its
	// committed inputs.
	batchTime []time.Duration
	sizes     []int
}

func (s *stageTimes) batch(b pipeline.BatchStages) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.Each(func(stage int, d time.Duration) { s.d[stage] = append(s.d[stage], d) })
	s.batchTime = append(s.batchTime, b.Acked.Sub(b.Taken))
	s.sizes = append(s.sizes, len(b.Stored))
}

// reportBatches adds the batches' count, mean and largest size, and
// p50/p99/max of their time from taken to acked.
func (s *stageTimes) reportBatches(r *Report, phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sizes) == 0 {
		return
	}
	total := 0
	for _, n := range s.sizes {
		total += n
	}
	r.add(phase, "batches", float64(len(s.sizes)), "")
	r.add(phase, "mean batch size", float64(total)/float64(len(s.sizes)), "inputs")
	r.add(phase, "max batch size", float64(slices.Max(s.sizes)), "inputs")
	slices.Sort(s.batchTime)
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", .50}, {"p99", .99}, {"max", 1}} {
		r.add(phase, q.name+" batch time (taken to acked)", ms(percentile(s.batchTime, q.q)), "ms")
	}
}

// report adds p50, p95, p99 and max of each stage to the phase.
func (s *stageTimes) report(r *Report, phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, name := range pipeline.Stages {
		got := s.d[i]
		slices.Sort(got)
		for _, q := range []struct {
			name string
			q    float64
		}{{"p50", .50}, {"p95", .95}, {"p99", .99}, {"max", 1}} {
			r.add(phase, fmt.Sprintf("%s stage %s", q.name, name), ms(percentile(got, q.q)), "ms")
		}
	}
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.matched
}

// jsonString returns the string value following prefix in data, without
// decoding the whole document (the observer must stay cheap).
func jsonString(data []byte, prefix string) string {
	i := bytes.Index(data, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := data[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// latencyTarget is the p99 publish-to-output target at an offered rate:
// 30 ms up to 5,000 events/s, 60 ms up to 10,000; none above.
func latencyTarget(rate float64) (float64, bool) {
	switch {
	case rate <= 5_000:
		return 30, true
	case rate <= 10_000:
		return 60, true
	}
	return 0, false
}

// observeOutputs matches every output on the phase's server to the input
// that caused it.
func observeOutputs(e *benchEnv) (*latencies, error) {
	l := &latencies{sent: map[string]time.Time{}}
	return l, e.observe(e.prov.Topology.UpdateSubject("*"), l.received)
}

// benchLatency offers the sample scenario at a fixed rate and measures the
// time from each input's publish to its output's arrival at a subscriber.
func (r *benchRun) benchLatency(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	l, err := observeOutputs(e)
	if err != nil {
		return err
	}
	e.start()
	st := &stageTimes{}
	e.p.Stats().TraceStages(st.batch)
	sent, took, err := r.offer(ctx, e, l)
	if err != nil {
		return err
	}
	werr := pollUntil(ctx, 30*time.Second, func() bool { return l.count() >= sent }, func() error { return nil })
	if werr != nil {
		return werr
	}
	phase := fmt.Sprintf("latency @%s/s", thousands(int64(r.opts.Rate)))
	p99 := r.reportLatency(phase, l, sent, took, true)
	if r.pipeRate > 0 && r.opts.Rate > r.pipeRate {
		p99.Note = fmt.Sprintf("offered rate above this run's throughput (%s events/s): the backlog grows", thousands(int64(r.pipeRate)))
	}
	e.p.Stats().TraceStages(nil)
	st.report(r.report, phase)
	st.reportBatches(r.report, phase)
	return nil
}

// reportLatency adds the offered rate achieved, p50/p95/p99/max from
// publish to output, the p99 of each third of the run and the outputs
// missing, and returns the p99 row (held to latencyTarget when target).
func (r *benchRun) reportLatency(phase string, l *latencies, sent int, took time.Duration, target bool) *Metric {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := slices.Clone(l.got)
	slices.Sort(got)
	r.report.add(phase, "offered rate achieved", perSecond(sent, took), "events/s")
	r.report.add(phase, "p50 publish to output", ms(percentile(got, 0.50)), "ms")
	r.report.add(phase, "p95 publish to output", ms(percentile(got, 0.95)), "ms")
	var p99 *Metric
	if limit, ok := latencyTarget(r.opts.Rate); ok && target {
		p99 = r.report.atMost(phase, "p99 publish to output", ms(percentile(got, 0.99)), "ms", limit)
	} else {
		p99 = r.report.add(phase, "p99 publish to output", ms(percentile(got, 0.99)), "ms")
	}
	r.report.add(phase, "max publish to output", ms(percentile(got, 1)), "ms")
	for i, name := range []string{"first", "middle", "last"} {
		slices.Sort(l.thirds[i])
		r.report.add(phase, "p99 publish to output, "+name+" third", ms(percentile(l.thirds[i], 0.99)), "ms")
	}
	if missing := sent - len(got); missing > 0 {
		r.report.add(phase, "outputs missing after 30s", float64(missing), "").Note = fmt.Sprintf("of %d events", sent)
	}
	return p99
}

// benchCeilingLatency offers the latency phase's events at its rate to the
// ceiling's loop (the NATS stores and acks the pipeline makes per event,
// none of its logic) and measures publish to output the same way: what
// this machine's NATS work alone gives at that rate, against which the
// pipeline's tail is read. It runs the loop twice, each on a fresh server:
// sending a batch's stores at once (one awaited round trip), then in the
// pipeline's commit order (state stored, then outputs and timers, then
// acks: two), so that what the crash-safe order costs is read apart from
// what the pipeline's own work costs.
func (r *benchRun) benchCeilingLatency(ctx context.Context) error {
	rate := thousands(int64(r.opts.Rate))
	loops := []struct {
		inCommitOrder bool
		phase, note   string
	}{
		{false, "NATS work only @" + rate + "/s", "the ceiling's loop at the latency phase's rate: the tail of the NATS work alone"},
		{true, "NATS work in commit order @" + rate + "/s", "the same stores consumed as the pipeline does, state awaited before outputs and timers, those before acks"},
	}
	for _, loop := range loops {
		if err := r.ceilingLatency(ctx, loop.inCommitOrder, loop.phase, loop.note); err != nil {
			return err
		}
	}
	return nil
}

// ceilingLatency measures one loop of benchCeilingLatency on a fresh server.
func (r *benchRun) ceilingLatency(ctx context.Context, inCommitOrder bool, phase, note string) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	l, err := observeOutputs(e)
	if err != nil {
		return err
	}
	run, err := startCeiling(ctx, e, r.cfg, inCommitOrder)
	if err != nil {
		return err
	}
	sent, took, err := r.offer(ctx, e, l)
	if err == nil {
		err = pollUntil(ctx, 30*time.Second, func() bool { return l.count() >= sent || run.ctx.Err() != nil }, func() error { return nil })
	}
	if serr := run.stop(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	r.reportLatency(phase, l, sent, took, false).Note = note
	return nil
}

// offer publishes at the configured rate for the configured duration and
// returns how many events it sent and how long that took.
func (r *benchRun) offer(ctx context.Context, e *benchEnv, l *latencies) (int, time.Duration, error) {
	begin := time.Now().Add(50 * time.Millisecond)
	l.mu.Lock()
	l.begin, l.span = begin, r.opts.LatencyDuration
	l.mu.Unlock()
	g, err := generator.New(generator.Config{
		Scenario: generator.Sample, Seed: 2, Rules: e.cfg.Rules(),
		Start: begin.Add(-latencyPreroll), Rate: r.opts.Rate, IDPrefix: "L",
	})
	if err != nil {
		return 0, 0, err
	}
	end := begin.Add(r.opts.LatencyDuration)
	sent := 0
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok || em.At.After(end) {
			break
		}
		if em.At.Before(begin) {
			continue
		}
		if time.Until(em.At) > 500*time.Microsecond && !contract.SleepUntil(ctx, em.At) {
			break
		}
		ev := em.Event
		l.published(ev.OrderID+"|"+string(ev.Type), time.Now())
		if err := e.load.publish(e.prov.Topology.EventSubject(ev.OrderID), g.JSON(ev), ev.EventID); err != nil {
			return sent, 0, err
		}
		sent++
	}
	took := time.Since(begin)
	return sent, took, e.load.wait(time.Minute)
}
