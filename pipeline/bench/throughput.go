package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// benchWarnAt are the thresholds of the spread run with warnings: the
// target is that they cost at most 15 % of the plain throughput.
var benchWarnAt = []float64{0.5, 0.75}

// benchThroughput measures the pipeline on two orderings of the same
// lifecycles, each published as fast as possible on a fresh server and
// timed until every output is stored (one per event in this scenario):
// spread, the headline (every event of an order in a different batch, as
// on a real day), then spread again with sla.warn_at [0.5, 0.75] (rows
// beside the headline: its events/s and the ratio to the plain run), then
// interleaved (an order's events close together, so a batch may hold
// several of them and coalesce their writes and timers).
func (r *benchRun) benchThroughput(ctx context.Context) error {
	if err := r.throughputOf(ctx, "spread", spread); err != nil {
		return err
	}
	if err := r.throughputWarn(ctx); err != nil {
		return err
	}
	return r.throughputOf(ctx, "interleaved", nil)
}

// workloadRun is one timed run of the throughput phase; its env is still
// open (for stats and stream counts) until the caller closes it.
type workloadRun struct {
	e         *benchEnv
	n         int
	published time.Duration // first publish to the last acknowledged
	took      time.Duration // first publish to the last output stored
}

// runWorkload publishes the sample events, reordered, on a fresh server
// running a pipeline with cfg, and waits for every output. With profile it
// takes the CPU profile of --cpuprofile meanwhile.
func (r *benchRun) runWorkload(ctx context.Context, cfg config.Config, reorder func([]prepared) []prepared, profile bool) (*workloadRun, error) {
	e, err := r.env(ctx, cfg)
	if err != nil {
		return nil, err
	}
	w, err := r.timeWorkload(ctx, e, reorder, profile)
	if err != nil {
		e.close()
		return nil, err
	}
	return w, nil
}

func (r *benchRun) timeWorkload(ctx context.Context, e *benchEnv, reorder func([]prepared) []prepared, profile bool) (*workloadRun, error) {
	e.start()
	evs, err := sampleEvents(e, r.opts.Events, time.Now(), 50_000, 1)
	if err != nil {
		return nil, err
	}
	if reorder != nil {
		evs = reorder(evs)
	}
	n := len(evs)
	stopProfile := func() {}
	if profile {
		if stopProfile, err = r.startProfile(); err != nil {
			return nil, err
		}
	}
	begin := time.Now()
	for _, ev := range evs {
		if err := e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			stopProfile()
			return nil, err
		}
	}
	err = e.load.wait(2 * time.Minute)
	published := time.Since(begin)
	within := max(2*time.Minute, time.Duration(n/2000)*time.Second)
	if err == nil {
		err = e.waitUpdates(ctx, int64(n), within)
	}
	if err == nil {
		// SLA_AT_RISK warnings are stored beside the updates: wait for
		// those emitted too (none with the default SLAs of a day or more).
		err = e.waitUpdates(ctx, int64(n)+int64(e.p.Stats().Warnings.Load()), within)
	}
	took := time.Since(begin)
	stopProfile()
	if err != nil {
		return nil, err
	}
	return &workloadRun{e: e, n: n, published: published, took: took}, nil
}

func (r *benchRun) throughputOf(ctx context.Context, workload string, reorder func([]prepared) []prepared) error {
	w, err := r.runWorkload(ctx, r.cfg, reorder, workload == "spread")
	if err != nil {
		return err
	}
	e, n := w.e, w.n
	defer e.close()
	rate := perSecond(n, w.took)
	phase := "throughput " + workload
	r.report.add(phase, "events published", float64(n), "")
	r.report.add(phase, "input publish rate (while the pipeline runs)", perSecond(n, w.published), "events/s")
	if workload != "spread" {
		r.report.add(phase, "pipeline events/s (publish to all outputs stored)", rate, "events/s").Note =
			"an order's events close together: a batch may coalesce several"
		return r.writeAmplification(ctx, e, phase, n)
	}
	r.pipeRate = rate
	r.report.atLeast(phase, "pipeline events/s (publish to all outputs stored)", rate, "events/s", 20_000).Note =
		"every event of an order in a different batch (headline)"
	if r.rawRound > 0 {
		r.report.atLeast(phase, "pipeline / raw JetStream round trip", rate/r.rawRound, "x", 0.30).Note =
			"pipeline events/s over the raw phase's publish + consume-with-ack msgs/s"
	}
	if r.ceilingRate > 0 {
		r.report.add(phase, "pipeline / NATS-only ceiling", rate/r.ceilingRate, "x")
	}
	st := e.p.Stats()
	if b := st.Batches.Load(); b > 0 {
		r.report.add(phase, "mean batch size", float64(st.Messages.Load())/float64(b), "events")
	}
	if c := st.Conflicts.Load(); c > 0 {
		r.report.add(phase, "CAS conflicts", float64(c), "")
	}
	return r.writeAmplification(ctx, e, phase, n)
}

// throughputWarn runs the spread workload again, same events and setup on
// a fresh server, with sla.warn_at [0.5, 0.75], and records its events/s
// and the ratio to the plain spread run beside the headline.
func (r *benchRun) throughputWarn(ctx context.Context) error {
	cfg := r.cfg
	cfg.SLA.WarnAt = slices.Clone(benchWarnAt)
	w, err := r.runWorkload(ctx, cfg, spread, false)
	if err != nil {
		return fmt.Errorf("spread with sla.warn_at %v: %w", benchWarnAt, err)
	}
	defer w.e.close()
	const phase = "throughput spread"
	rate := perSecond(w.n, w.took)
	r.report.add(phase, "pipeline events/s with sla.warn_at [0.5, 0.75]", rate, "events/s").Note =
		fmt.Sprintf("same events, fresh server; %d SLA_AT_RISK emitted", w.e.p.Stats().Warnings.Load())
	if r.pipeRate <= 0 {
		return nil
	}
	m := r.report.atLeast(phase, "warn_at [0.5, 0.75] / plain events/s", rate/r.pipeRate, "x", 0.85)
	m.Note = "at most 15 % slower; one run each, noisy on a shared machine"
	if warnsAlready(r.cfg) {
		m.Note += "; the configuration sets warn_at already, so plain warns too"
	}
	return nil
}

// warnsAlready reports whether cfg's own SLAs warn (sla.warn_at or a rule's).
func warnsAlready(cfg config.Config) bool {
	if len(cfg.SLA.WarnAt) > 0 {
		return true
	}
	for _, rule := range cfg.SLA.Rules {
		if len(rule.WarnAt) > 0 {
			return true
		}
	}
	return false
}

// writeAmplification reports how many messages JetStream stored per input
// event, by stream: every one is a file-store write the server pays for.
func (r *benchRun) writeAmplification(ctx context.Context, e *benchEnv, phase string, n int) error {
	total := 0.0
	var parts []string
	for _, name := range []string{contract.EventsStream, contract.Topology{}.KVStream(contract.OrdersBucket), contract.UpdatesStream, contract.SLAStream, contract.DLQStream} {
		s, err := e.pipeJS.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		per := float64(info.State.LastSeq) / float64(n)
		total += per
		parts = append(parts, fmt.Sprintf("%s %.2f", name, per))
	}
	r.report.add(phase, "messages stored per input event", total, "x").Note = strings.Join(parts, ", ")
	return nil
}

// startProfile starts the CPU profile of --cpuprofile and returns its stop.
func (r *benchRun) startProfile() (func(), error) {
	if r.opts.CPUProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(r.opts.CPUProfile)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
