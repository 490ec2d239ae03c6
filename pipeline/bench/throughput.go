package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"
)

// benchThroughput publishes the sample scenario's interleaved lifecycles as
// fast as possible and times until the pipeline has stored every output
// (one per event in this scenario).
func (r *benchRun) benchThroughput(ctx context.Context) error {
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
	n := len(evs)
	stopProfile, err := r.startProfile()
	if err != nil {
		return err
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
	r.pipeRate = perSecond(n, took)
	r.report.add("throughput", "events published", float64(n), "")
	r.report.add("throughput", "input publish rate (while the pipeline runs)", perSecond(n, published), "events/s")
	r.report.atLeast("throughput", "pipeline events/s (publish to all outputs stored)", r.pipeRate, "events/s", 30_000)
	if r.rawPublish > 0 {
		r.report.add("throughput", "pipeline / raw async publish", r.pipeRate/r.rawPublish, "x")
	}
	if r.ceilingRate > 0 {
		r.report.add("throughput", "pipeline / NATS-only ceiling", r.pipeRate/r.ceilingRate, "x")
	}
	st := e.p.Stats()
	if b := st.Batches.Load(); b > 0 {
		r.report.add("throughput", "mean batch size", float64(st.Messages.Load())/float64(b), "events")
	}
	if c := st.Conflicts.Load(); c > 0 {
		r.report.add("throughput", "CAS conflicts", float64(c), "")
	}
	return r.writeAmplification(ctx, e, n)
}

// writeAmplification reports how many messages JetStream stored per input
// event, by stream: every one is a file-store write the server pays for.
func (r *benchRun) writeAmplification(ctx context.Context, e *benchEnv, n int) error {
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
	r.report.add("throughput", "messages stored per input event", total, "x").Note = strings.Join(parts, ", ")
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
