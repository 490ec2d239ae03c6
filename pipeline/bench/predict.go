package bench

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// benchPredict measures what sla.predict costs (SPEC 17): the spread
// workload of the throughput phase, on a fresh server each time, with
// predictions off and on, alternating two rounds of each (best of each,
// so that a noisy neighbour does not decide the ratio). On: enabled,
// min_samples 1 (every segment predicts from its first sample), so every
// SLA start looks up its segment's curve and computes a crossing, every
// committed stage is learned and merged into ORDER_RISK, and the checks
// that cross are listed as timers. It records both events/s, their ratio
// (target >= 0.9), the samples learned, the KV writes of the model per
// 1,000 events and the memory of the curves held.
func (r *benchRun) benchPredict(ctx context.Context) error {
	const phase = "predict"
	on := r.cfg
	on.SLA.Predict.Enabled, on.SLA.Predict.MinSamples = true, 1
	var best [2]float64
	var last struct {
		n                          int
		samples, writes, conflicts uint64
		segments                   int
		warnings                   uint64
	}
	for round := range 4 {
		predict := round%2 == 1
		cfg := r.cfg
		if predict {
			cfg = on
		}
		w, err := r.runWorkload(ctx, cfg, spread, false)
		if err != nil {
			return fmt.Errorf("round %d (predict %v): %w", round+1, predict, err)
		}
		rate := perSecond(w.n, w.took)
		w.e.close() // its stop merges what the model holds: count those writes too
		i := 0
		if predict {
			i = 1
			st := w.e.p.Risk()
			last.n, last.samples, last.writes, last.conflicts, last.segments = w.n, st.Samples, st.Writes, st.Conflicts, st.Segments
			last.warnings = w.e.p.Stats().Warnings.Load()
		}
		best[i] = max(best[i], rate)
	}
	r.report.add(phase, "spread events/s, sla.predict off", best[0], "events/s").Note = "best of 2 rounds, fresh server each"
	r.report.add(phase, "spread events/s, sla.predict on", best[1], "events/s").Note =
		fmt.Sprintf("best of 2 rounds; min_samples 1; %d SLA_AT_RISK in the last round", last.warnings)
	if best[0] > 0 {
		r.report.atLeast(phase, "predict on / off events/s", best[1]/best[0], "x", 0.9).Note = "same events, alternating rounds"
	}
	r.report.add(phase, "samples learned", float64(last.samples), "")
	if last.n > 0 {
		r.report.add(phase, "ORDER_RISK writes per 1,000 events", float64(last.writes)*1000/float64(last.n), "").Note =
			fmt.Sprintf("%d compare-and-set writes (%d conflicts) for %d events, one merge per key every 500 ms", last.writes, last.conflicts, last.n)
	}
	curve := float64(unsafe.Sizeof(risk.Curve{}))
	r.report.add(phase, "model memory (curves held)", float64(last.segments)*curve/1024, "KiB").Note =
		fmt.Sprintf("%d SLA-and-segment curves of %.0f bytes; at most 1,024", last.segments, curve)
	return nil
}
