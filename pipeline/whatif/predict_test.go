package whatif

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// predicting returns rules(10s) with sla.predict on at threshold th, four
// samples a segment, one segment per rule.
func predicting(th float64) order.Rules {
	r := rules(10 * time.Second)
	r.Predict = order.Predict{Enabled: true, Threshold: th, MinSamples: 4, By: []string{order.SegmentRule}}
	return r
}

// trained is the event set of the prediction tests: ten orders placed at
// 0 teach the processing model 2 s (six), 4 s (two) and 20 s (two, late);
// then, with every sample committed, X1, X2 and X3 are placed at 30 s and
// processed after 1 s, after 3 s, and never.
func trained() []Input {
	var in []Input
	for i := range 10 {
		in = append(in, ev(fmt.Sprintf("T%d", i), order.OrderPlaced, 0))
	}
	for i, d := range []time.Duration{2, 2, 2, 2, 2, 2, 4, 4, 20, 20} {
		in = append(in, ev(fmt.Sprintf("T%d", i), order.ProcessingStarted, d*time.Second))
	}
	return append(in, // in time order, as JetStream stored them
		ev("X1", order.OrderPlaced, 30*time.Second), ev("X2", order.OrderPlaced, 30*time.Second), ev("X3", order.OrderPlaced, 30*time.Second),
		ev("X1", order.ProcessingStarted, 31*time.Second), ev("X2", order.ProcessingStarted, 33*time.Second))
}

// TestReplayCountsPredictedWarnings: the replay learns the processing
// model from the replayed events and warns as the engine would. At
// threshold 0.8 the risk of missing 10 s reaches it at about 4.1 s
// (S(e) = 0.25 within the 4 s bucket): only X3, which breaches, is warned;
// at 0.45 it does at about 2.08 s (within the 2 s bucket): X2, processed
// at 3 s, is warned too, a false alarm. The training orders are never
// warned: when their deadline came, no sample had run past it. Base
// (predict off) counts none; the outcomes do not change.
func TestReplayCountsPredictedWarnings(t *testing.T) {
	for _, shards := range []int{1, 3} {
		for _, tt := range []struct {
			th                  float64
			predicted, breached int
		}{{0.8, 1, 1}, {0.45, 2, 1}} {
			r := New(Options{Base: rules(10 * time.Second), New: predicting(tt.th), Now: t0.Add(time.Hour), MaxSkew: time.Minute, Shards: shards})
			for _, in := range trained() {
				r.Add(in)
			}
			res := r.Finish()
			rows := res.Rows("")
			want := Row{Group: "all", SLA: order.SLAProcessing,
				Base: Tally{Orders: 13, Met: 10, Breached: 3, OnTimeRate: 0.7692},
				New:  Tally{Orders: 13, Met: 10, Breached: 3, OnTimeRate: 0.7692, Predicted: tt.predicted, PredictedBreached: tt.breached}}
			if !res.Predicts || len(rows) != 3 || !reflect.DeepEqual(rows[0], want) {
				t.Errorf("shards %d threshold %g: rows %+v\nwant first %+v", shards, tt.th, rows, want)
			}
			for _, row := range rows[1:] {
				if row.New.Predicted != 0 {
					t.Errorf("shards %d threshold %g: %s predicted %d, want 0 (no sample)", shards, tt.th, row.SLA, row.New.Predicted)
				}
			}
			if c := res.Changed(-1); len(c) != 0 {
				t.Errorf("predictions changed outcomes: %+v", c)
			}
		}
	}
}
