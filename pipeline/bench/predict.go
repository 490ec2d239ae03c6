package bench

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// benchPredict measures what sla.predict costs (SPEC 17): the spread
// workload of the throughput phase, on a fresh server each time, with
// predictions off and on, alternating predictRounds of each (best of each,
// so that a noisy neighbour does not decide the ratio). On: enabled,
// min_samples 1 (every segment predicts from its first sample), so every
// SLA start looks up its segment's curve and computes a crossing, every
// committed stage is learned and merged into ORDER_RISK, and the checks
// that cross are listed as timers (the model is seeded so that every SLA
// crosses half way to its deadline: each SLA start lists one more check). It records both events/s, their ratio
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
		planned                    int
	}
	for round := range 2 * predictRounds {
		predict := round%2 == 1
		cfg := r.cfg
		if predict {
			cfg = on
		}
		w, err := r.predictRound(ctx, cfg, predict)
		if err != nil {
			return fmt.Errorf("round %d (predict %v): %w", round+1, predict, err)
		}
		rate := perSecond(w.n, w.took)
		planned := 0
		if predict {
			err = contract.ScanOrders(ctx, w.e.pipeJS, func(s order.State, ok bool) { planned += len(s.Predictions) })
		}
		w.e.close() // its stop merges what the model holds: count those writes too
		if err != nil {
			return fmt.Errorf("scan ORDERS: %w", err)
		}
		i := 0
		if predict {
			i = 1
			last.planned = planned
			st := w.e.p.Risk()
			last.n, last.samples, last.writes, last.conflicts, last.segments = w.n, st.Samples, st.Writes, st.Conflicts, st.Segments
			last.warnings = w.e.p.Stats().Warnings.Load()
		}
		best[i] = max(best[i], rate)
	}
	r.report.add(phase, "spread events/s, sla.predict off", best[0], "events/s").Note =
		fmt.Sprintf("best of %d rounds, fresh server each", predictRounds)
	r.report.add(phase, "spread events/s, sla.predict on", best[1], "events/s").Note =
		fmt.Sprintf("best of %d rounds; model seeded so every SLA crosses; last round: %d predicted checks listed, %d SLA_AT_RISK",
			predictRounds, last.planned, last.warnings)
	if best[0] > 0 {
		r.report.atLeast(phase, "predict on / off events/s", best[1]/best[0], "x", 0.9).Note = "same events, alternating rounds"
	}
	r.report.add(phase, "samples learned", float64(last.samples), "")
	if last.n > 0 {
		per := float64(last.writes) * 1000 / float64(last.n)
		r.report.add(phase, "ORDER_RISK writes per 1,000,000 events", per*1000, "").Note =
			fmt.Sprintf("%.3f per 1,000 events: %d compare-and-set writes (%d conflicts) for %d events, one merge per key every 500 ms",
				per, last.writes, last.conflicts, last.n)
	}
	curve := float64(unsafe.Sizeof(risk.Curve{}))
	r.report.add(phase, "model memory (curves held)", float64(last.segments)*curve/1024, "KiB").Note =
		fmt.Sprintf("%d SLA-and-segment curves of %.0f bytes; at most 1,024", last.segments, curve)
	return nil
}

// predictRounds is how many timed runs of each setting the phase makes.
const predictRounds = 3

// predictRound runs the spread workload on a fresh server; with predict,
// ORDER_RISK first holds, for every SLA of every rule of cfg, 200 samples:
// half took half the SLA's time, half twice it (so the risk of every SLA
// reaches 0.8 once a quarter of its time has passed).
func (r *benchRun) predictRound(ctx context.Context, cfg config.Config, predict bool) (*workloadRun, error) {
	e, err := r.env(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if predict {
		if err := seedModel(ctx, e, cfg.Rules()); err != nil {
			e.close()
			return nil, err
		}
	}
	w, err := r.timeWorkload(ctx, e, spread, false)
	if err != nil {
		e.close()
		return nil, err
	}
	return w, nil
}

// seedModel writes the histograms of predictRound into ORDER_RISK.
func seedModel(ctx context.Context, e *benchEnv, rules order.Rules) error {
	names := []string{order.DefaultRule}
	for _, x := range rules.Segments {
		names = append(names, x.Name)
	}
	gen := rules.ModelGeneration()
	for _, name := range names {
		s := order.State{SLARule: name}
		terms := rules.Terms(s)
		for _, sla := range order.SLAs {
			var h risk.Histogram
			for range 100 {
				h.Add(terms.Duration(sla) / 2)
				h.Add(2 * terms.Duration(sla))
			}
			data, err := h.MarshalBinary()
			if err != nil {
				return err
			}
			key := e.prov.Topology.RiskKey(gen, order.SegmentKey(s, sla, rules.Predict.By))
			if _, err := e.prov.Risk.Put(ctx, key, data); err != nil {
				return fmt.Errorf("seed %s: %w", key, err)
			}
		}
	}
	return nil
}
