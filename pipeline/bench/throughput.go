package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"
)

// benchThroughput measures the pipeline on two orderings of the same
// lifecycles, each published as fast as possible on a fresh server and
// timed until every output is stored (one per event in this scenario):
// spread, the headline (every event of an order in a different batch, as
// on a real day), then interleaved (an order's events close together, so a
// batch may hold several of them and coalesce their writes and timers).
func (r *benchRun) benchThroughput(ctx context.Context) error {
	for _, w := range []struct {
		name  string
		order func([]prepared) []prepared
	}{{"spread", spread}, {"interleaved", nil}} {
		if err := r.throughputOf(ctx, w.name, w.order); err != nil {
			return err
		}
	}
	return nil
}

func (r *benchRun) throughputOf(ctx context.Context, workload string, reorder func([]prepared) []prepared) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	e.start()
	evs, err := sampleEvents(e, r.opts.Events, time.Now(), 50_000, 1)
	if err != nil {
		return err
	}
	if reorder != nil {
		evs = reorder(evs)
	}
	n := len(evs)
	stopProfile := func() {}
	if workload == "spread" {
		if stopProfile, err = r.startProfile(); err != nil {
			return err
		}
	}
	begin := time.Now()
	for _, ev := range evs {
		if err := e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			stopProfile()
			return err
		}
	}
	err = e.load.wait(2 * time.Minute)
	published := time.Since(begin)
	if err == nil {
		err = e.waitUpdates(ctx, int64(n), max(2*time.Minute, time.Duration(n/2000)*time.Second))
	}
	took := time.Since(begin)
	stopProfile()
	if err != nil {
		return err
	}
	rate := perSecond(n, took)
	phase := "throughput " + workload
	r.report.add(phase, "events published", float64(n), "")
	r.report.add(phase, "input publish rate (while the pipeline runs)", perSecond(n, published), "events/s")
	if workload != "spread" {
		r.report.add(phase, "pipeline events/s (publish to all outputs stored)", rate, "events/s").Note =
			"an order's events close together: a batch may coalesce several"
		return r.writeAmplification(ctx, e, phase, n)
	}
	r.pipeRate = rate
	r.report.atLeast(phase, "pipeline events/s (publish to all outputs stored)", rate, "events/s", 20_000).Note =
		"every event of an order in a different batch (headline)"
	if r.rawPublish > 0 {
		r.report.add(phase, "pipeline / raw async publish", rate/r.rawPublish, "x")
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

// writeAmplification reports how many messages JetStream stored per input
// event, by stream: every one is a file-store write the server pays for.
func (r *benchRun) writeAmplification(ctx context.Context, e *benchEnv, phase string, n int) error {
	total := 0.0
	var parts []string
	for _, name := range []string{"ORDER_EVENTS", "KV_ORDERS", "ORDER_UPDATES", "ORDER_SLA", "ORDER_DLQ"} {
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
