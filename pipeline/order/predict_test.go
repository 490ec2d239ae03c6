package order

import (
	"math"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// models is a Model of fixed curves by segment key.
type models map[string]*risk.Curve

func (m models) Curve(key string) *risk.Curve { return m[key] }

// curveOf returns the curve of n samples of each duration.
func curveOf(n int, ds ...time.Duration) *risk.Curve {
	var h risk.Histogram
	for _, d := range ds {
		for range n {
			h.Add(d)
		}
	}
	return h.Curve()
}

// predictRules: processing 10s, predictions at 0.8 from 100 samples of the
// default rule's segment, which holds half its orders processed in 1s and
// half in 30s (S(10s) = 0.5: the risk reaches 0.8 once S(e) <= 0.625,
// inside the 1 s bucket).
func predictRules(m Model) Rules {
	return Rules{Processing: 10 * time.Second, Shipping: time.Hour, Delivery: 2 * time.Hour, Clock: ClockEvent,
		Predict: Predict{Enabled: true, Threshold: 0.8, MinSamples: 100, By: []string{SegmentRule}}, Model: m}
}

var (
	halfLate  = curveOf(60, time.Second, 30*time.Second)
	mostlyOK  = curveOf(60, time.Second, time.Second, time.Second, time.Second, 30*time.Second) // S(10s) = 0.2
	processed = "processing/sla_rule=default"
)

func predictedAt(t *testing.T, c *risk.Curve) time.Time {
	t.Helper()
	e, ok := c.Crossing(10*time.Second, 0.8)
	if !ok {
		t.Fatal("the test curve has no crossing")
	}
	return t0.Add(e)
}

func TestPredictionPlanned(t *testing.T) {
	at := predictedAt(t, halfLate)
	tests := []struct {
		name  string
		rules Rules
		want  []Prediction
	}{
		{"segment with min_samples: one check at the crossing", predictRules(models{processed: halfLate}), []Prediction{{SLA: SLAProcessing, At: at}}},
		{"segment below min_samples: nothing", predictRules(models{processed: curveOf(99, time.Second)}), nil},
		{"no model for the segment: nothing", predictRules(models{"processing/sla_rule=other": halfLate}), nil},
		{"no model at all: nothing", predictRules(nil), nil},
		{"predict off: nothing", func() Rules { r := predictRules(models{processed: halfLate}); r.Predict.Enabled = false; return r }(), nil},
		{"risk never reaches the threshold before the deadline: nothing", predictRules(models{processed: curveOf(100, time.Second)}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, tt.rules, placedEvent(t0))
			if len(s.Predictions) != len(tt.want) || len(tt.want) == 1 && (s.Predictions[0].SLA != tt.want[0].SLA || !s.Predictions[0].At.Equal(tt.want[0].At)) {
				t.Fatalf("predictions %+v, want %+v", s.Predictions, tt.want)
			}
			var listed []Deadline
			for _, d := range tt.rules.Pending(s) {
				if d.Predicted {
					listed = append(listed, d)
				}
			}
			if len(listed) != len(tt.want) || len(listed) == 1 && !listed[0].At.Equal(at) {
				t.Errorf("Pending lists predicted checks %+v, want one at %s per prediction", listed, at)
			}
			if d, ok := tt.rules.NextDeadline(s); !ok || !d.At.Equal(t0.Add(10*time.Second)) {
				t.Errorf("NextDeadline = %+v, want the breach check, not the predicted one", d)
			}
		})
	}
}

func TestPredictionJudged(t *testing.T) {
	at := predictedAt(t, halfLate)
	deadline := t0.Add(10 * time.Second)
	r := predictRules(models{processed: halfLate})
	s := build(t, r, placedEvent(t0))

	if next, got := Check(s, r, at.Add(-time.Nanosecond)); len(got) != 0 || !next.PredictionsEqual(s) {
		t.Fatalf("check before the instant: %+v, predictions %+v", got, next.Predictions)
	}
	fired := at.Add(40 * time.Millisecond) // a slot fires a little after
	next, got := Check(s, r, fired)
	if len(got) != 1 {
		t.Fatalf("check at the instant: %d updates, want 1 predicted warning", len(got))
	}
	u := got[0]
	wantP := math.Round(halfLate.Risk(10*time.Second, fired.Sub(t0))*1e4) / 1e4
	if u.Type != UpdateAtRisk || u.SLA != SLAProcessing || u.Reason != "predicted" || u.Threshold != 0.8 || u.Probability != wantP ||
		!u.EventTime.Equal(at) || !u.Deadline.Equal(deadline) || u.Rule != DefaultRule || u.SLABreach {
		t.Errorf("warning %+v", u)
	}
	if u.Probability < 0.8 {
		t.Errorf("probability %v below the threshold", u.Probability)
	}
	if want := math.Round(float64(deadline.Sub(fired))/1e6) / 1e3; u.RemainingSeconds != want {
		t.Errorf("remaining_seconds %v, want %v", u.RemainingSeconds, want)
	}
	if u.MsgID() != "ORD-1:SLA_AT_RISK:processing:predicted" {
		t.Errorf("Msg-Id %q", u.MsgID())
	}
	if want := "SLA AT RISK: Order ORD-1 has 8.9s left to be processed (predicted: " + percent(u.Probability) + "% likely to miss) - Item: Blue Jeans"; u.Message != want {
		t.Errorf("message %q\nwant    %q", u.Message, want)
	}
	if !next.PredictedWarned(SLAProcessing) {
		t.Error("the sent warning is not recorded")
	}
	for _, d := range r.Pending(next) {
		if d.Predicted {
			t.Errorf("a sent prediction is still listed: %+v", d)
		}
	}
	if again, more := Check(next, r, fired.Add(time.Second)); len(more) != 0 || !again.PredictionsEqual(next) {
		t.Errorf("a second check sends again: %+v", more)
	}
	// Another event of the order (a touch) plans nothing new for the SLA.
	touched, _ := Apply(next, withID(placedEvent(t0), "e-other"), r, testNow)
	if len(touched.Predictions) != 1 || !touched.Predictions[0].Sent {
		t.Errorf("predictions after a touch %+v", touched.Predictions)
	}
}

func TestPredictionJudgedAgainWithTheModelThen(t *testing.T) {
	at := predictedAt(t, halfLate)
	s := build(t, predictRules(models{processed: halfLate}), placedEvent(t0))
	tests := []struct {
		name   string
		rules  Rules
		now    time.Time
		warned bool
		want   []Prediction // after the check
	}{
		{"the model learned it is rarer: listed at the new crossing", predictRules(models{processed: mostlyOK}), at.Add(time.Millisecond), false,
			func() []Prediction {
				e, _ := mostlyOK.Crossing(10*time.Second, 0.8)
				return []Prediction{{SLA: SLAProcessing, At: t0.Add(e)}}
			}()},
		{"the model learned every order makes it: no crossing, dropped", predictRules(models{processed: curveOf(100, time.Second)}),
			at.Add(time.Millisecond), false, nil},
		{"predictions turned off: dropped", func() Rules { r := predictRules(models{processed: halfLate}); r.Predict.Enabled = false; return r }(),
			at.Add(time.Millisecond), false, nil},
		{"threshold lowered: warned", func() Rules { r := predictRules(models{processed: halfLate}); r.Predict.Threshold = 0.6; return r }(),
			at.Add(time.Millisecond), true, []Prediction{{SLA: SLAProcessing, At: at, Sent: true}}},
		{"judged at the deadline: the breach says it", predictRules(models{processed: halfLate}), t0.Add(10 * time.Second), false,
			[]Prediction{{SLA: SLAProcessing, At: at}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, got := Check(s, tt.rules, tt.now)
			warned := 0
			for _, u := range got {
				if u.Reason == ReasonPredicted {
					warned++
				}
			}
			if (warned == 1) != tt.warned || warned > 1 {
				t.Errorf("%d predicted warnings, want warned=%v", warned, tt.warned)
			}
			if !next.PredictionsEqual(State{Predictions: tt.want}) {
				t.Errorf("predictions %+v, want %+v", next.Predictions, tt.want)
			}
		})
	}
}

func TestPredictionNotSentOnceMetOrCancelled(t *testing.T) {
	at := predictedAt(t, halfLate)
	r := predictRules(models{processed: halfLate})
	for _, e := range []Event{bare(ProcessingStarted, t0.Add(500*time.Millisecond)), bare(OrderCancelled, t0.Add(500*time.Millisecond))} {
		s := build(t, r, placedEvent(t0), e)
		if _, got := Check(s, r, at.Add(time.Millisecond)); len(got) != 0 {
			t.Errorf("after %s: %+v", e.Type, got)
		}
	}
}

func TestRecomputeKeepsASentPrediction(t *testing.T) {
	at := predictedAt(t, halfLate)
	r := predictRules(models{processed: halfLate})
	s, _ := Check(build(t, r, placedEvent(t0)), r, at)
	if !s.PredictedWarned(SLAProcessing) {
		t.Fatal("not warned")
	}
	if re := Rechoose(s, r); !re.PredictedWarned(SLAProcessing) || len(re.Predictions) != 1 {
		t.Errorf("after a recompute: %+v", re.Predictions)
	}
	open := build(t, r, placedEvent(t0))
	r2 := predictRules(models{processed: halfLate})
	r2.Processing = 20 * time.Second
	re := Rechoose(open, r2)
	e, _ := halfLate.Crossing(20*time.Second, 0.8)
	if len(re.Predictions) != 1 || !re.Predictions[0].At.Equal(t0.Add(e)) || len(open.Predictions) != 1 || !open.Predictions[0].At.Equal(at) {
		t.Errorf("recompute with a 20s processing SLA: %+v (input %+v), want one at %s", re.Predictions, open.Predictions, t0.Add(e))
	}
}

func TestSamples(t *testing.T) {
	cal := mustCalendar(t, time.UTC, weekOf(t, "10:00-10:01,10:02-10:03", time.Monday)) // t0 is a Monday 10:00
	r := Rules{Processing: time.Hour, Shipping: time.Hour, Delivery: 2 * time.Hour, Clock: ClockEvent, Predict: Predict{By: []string{SegmentTenant}}}
	placed := build(t, r, placedEvent(t0))
	processing := build(t, r, placedEvent(t0), bare(ProcessingStarted, secs(20)))
	shipped := build(t, r, placedEvent(t0), bare(ProcessingStarted, secs(20)), bare(ItemShipped, secs(50)))
	shippedLater := build(t, r, placedEvent(t0), bare(ProcessingStarted, secs(20)), bare(ItemShipped, secs(150)))
	delivered := build(t, r, placedEvent(t0), bare(ItemDelivered, secs(90)))
	cancelled := build(t, r, placedEvent(t0), bare(OrderCancelled, secs(5)))
	lateFact, _ := Apply(cancelled, bare(ProcessingStarted, secs(2)), r, testNow)
	type sample struct {
		key string
		d   time.Duration
	}
	tests := []struct {
		name          string
		rules         Rules
		before, after State
		want          []sample
	}{
		{"placed: nothing met", r, NewState("ORD-1"), placed, nil},
		{"processing met", r, placed, processing, []sample{{"processing/tenant_id=acme", 20 * time.Second}}},
		{"shipped: shipping from processing", r, processing, shipped, []sample{{"shipping/tenant_id=acme", 30 * time.Second}}},
		{"delivered at once meets all three", r, placed, delivered, []sample{
			{"processing/tenant_id=acme", 90 * time.Second}, {"delivery/tenant_id=acme", 90 * time.Second}}},
		{"applied again: nothing", r, processing, processing, nil},
		{"cancelled order: nothing", r, cancelled, lateFact, nil},
		{"open time under a calendar", func() Rules { c := r; c.Calendar = cal; return c }(), placed, processing,
			[]sample{{"processing/tenant_id=acme", 20 * time.Second}}},
		{"closed hours do not count", func() Rules { c := r; c.Calendar = cal; return c }(), processing, shippedLater,
			[]sample{{"shipping/tenant_id=acme", 70 * time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []sample
			tt.rules.Samples(tt.before, tt.after, func(key string, d time.Duration) { got = append(got, sample{key, d}) })
			if len(got) != len(tt.want) {
				t.Fatalf("samples %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("sample %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
