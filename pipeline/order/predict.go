package order

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// Predicted warnings (SPEC section 17). When an SLA of an order is pending
// and its segment's model holds sla.predict.min_samples samples, the
// instant its risk of being missed reaches sla.predict.threshold is known
// from the model (risk.Curve.Crossing): plan records it in the state as a
// Prediction, and Rules.Pending lists it as one more check instant. When
// the check comes (Check at or after it), judge asks the model in force
// then: the warning is sent (once; the state records it), or the new
// crossing is recorded and listed instead.

// ReasonPredicted is the reason of a predicted SLA_AT_RISK, and the last
// token of its Nats-Msg-Id (<order_id>:SLA_AT_RISK:<sla>:predicted).
const ReasonPredicted = "predicted"

// Model is the learned risk as the engine reads it: the survival curve of
// the durations of the stage of an SLA in a segment, by SegmentKey; nil
// when the model has none. The engine's model lives in JetStream
// (pipeline/learn.go); a replay may pass one of its own.
type Model interface {
	Curve(key string) *risk.Curve
}

// Prediction is the predicted-risk check of one SLA of an order: the
// instant its risk is next judged, and whether its warning was sent, or
// missed (the deadline came first).
type Prediction struct {
	SLA    SLA       `json:"sla"`
	At     time.Time `json:"at"`
	Sent   bool      `json:"sent,omitempty"`
	Missed bool      `json:"missed,omitempty"`
}

// prediction returns the index of the SLA's prediction in s, or -1.
func (s State) prediction(sla SLA) int {
	return slices.IndexFunc(s.Predictions, func(p Prediction) bool { return p.SLA == sla })
}

// PredictionOf returns the predicted check of an SLA, if one was planned.
func (s State) PredictionOf(sla SLA) (Prediction, bool) {
	if i := s.prediction(sla); i >= 0 {
		return s.Predictions[i], true
	}
	return Prediction{}, false
}

// PredictedWarned reports whether the predicted warning of an SLA was sent.
func (s State) PredictedWarned(sla SLA) bool {
	i := s.prediction(sla)
	return i >= 0 && s.Predictions[i].Sent
}

// PredictionsEqual reports whether s and o record the same predictions (a
// write is needed when they differ, even without an update).
func (s State) PredictionsEqual(o State) bool {
	return slices.EqualFunc(s.Predictions, o.Predictions, func(a, b Prediction) bool {
		return a.SLA == b.SLA && a.At.Equal(b.At) && a.Sent == b.Sent && a.Missed == b.Missed
	})
}

// curve returns the model of an SLA of the order when it may predict:
// predictions on, a model, and min_samples samples in the order's segment.
func (r Rules) curve(s *State, sla SLA) *risk.Curve {
	p := r.Predict
	if !p.Enabled || r.Model == nil {
		return nil
	}
	c := r.Model.Curve(SegmentKey(*s, sla, p.By))
	if c == nil || c.Count() < uint64(max(p.MinSamples, 1)) {
		return nil
	}
	return c
}

// predictable calls f with every SLA of the order that may be warned: its
// start and deadline known, unmet, neither breached nor retracted, on an
// open order.
func (r Rules) predictable(s *State, f func(t Terms, sla SLA, start, deadline time.Time)) {
	if s.Closed() {
		return
	}
	t := r.Terms(*s)
	for _, sla := range SLAs {
		deadline, ok := r.deadlineOf(s, t, sla)
		if !ok || s.decided(sla) {
			continue
		}
		if _, met := r.metAt(s, sla); met {
			continue
		}
		if start, ok := r.reached(s, startStage(sla)); ok {
			f(t, sla, start, deadline)
		}
	}
}

// crossing returns the instant the risk of the SLA reaches the threshold
// under curve c: the start plus the crossing's elapsed time, counted as the
// deadline is (open time under the terms' calendar); false when the risk
// stays below it until the deadline.
func (r Rules) crossing(c *risk.Curve, t Terms, start, deadline time.Time) (time.Time, bool) {
	e, ok := c.Crossing(t.Calendar.Open(start, deadline), r.Predict.Threshold)
	if !ok {
		return time.Time{}, false
	}
	return t.Calendar.Add(start, e), true
}

// plan records the predicted check of every SLA that may be warned and has
// none yet, when its segment's model predicts and the risk reaches the
// threshold before the deadline. An SLA whose model does not predict yet
// gets its check at a later touch of the order.
func (r Rules) plan(s *State) {
	if !r.Predict.Enabled || r.Model == nil {
		return
	}
	r.predictable(s, func(t Terms, sla SLA, start, deadline time.Time) {
		if s.prediction(sla) >= 0 {
			return
		}
		c := r.curve(s, sla)
		if c == nil {
			return
		}
		if at, ok := r.crossing(c, t, start, deadline); ok {
			s.Predictions = append(s.Predictions, Prediction{SLA: sla, At: at})
		}
	})
}

// predictionDue reports whether a predicted check's time has come by now.
func (r Rules) predictionDue(s *State, now time.Time) bool {
	due := false
	r.eachPrediction(s, func(_ Terms, p *Prediction, _, _ time.Time) { due = due || !now.Before(p.At) })
	return due
}

// eachPrediction calls f with the open prediction (neither sent nor
// missed) of every SLA that may be warned.
func (r Rules) eachPrediction(s *State, f func(t Terms, p *Prediction, start, deadline time.Time)) {
	if len(s.Predictions) == 0 {
		return
	}
	r.predictable(s, func(t Terms, sla SLA, start, deadline time.Time) {
		if i := s.prediction(sla); i >= 0 && !s.Predictions[i].Sent && !s.Predictions[i].Missed {
			f(t, &s.Predictions[i], start, deadline)
		}
	})
}

// judge decides the predicted checks whose time has come by now, with the
// model in force now, and returns the warnings to send. A check at or past
// the deadline is missed (the breach says it all). Otherwise, when the
// risk at the time elapsed has reached the threshold, the warning is sent;
// when it has not (the model or the threshold changed since the check was
// listed), the new crossing is recorded, or, with none before the deadline
// or no model that predicts, the check is dropped (a later touch of the
// order may plan one again).
func (r Rules) judge(s *State, now time.Time) []Update {
	var out []Update
	drop := false
	r.eachPrediction(s, func(t Terms, p *Prediction, start, deadline time.Time) {
		if now.Before(p.At) {
			return
		}
		if !now.Before(deadline) {
			p.Missed = true
			return
		}
		c := r.curve(s, p.SLA)
		if c == nil {
			p.At, drop = time.Time{}, true
			return
		}
		span := t.Calendar.Open(start, deadline)
		risk := c.Risk(span, t.Calendar.Open(start, now))
		if risk >= r.Predict.Threshold {
			p.Sent = true
			out = append(out, predictedWarning(*s, t, p.SLA, p.At, deadline, now, risk, r.Predict.Threshold))
			return
		}
		at, ok := r.crossing(c, t, start, deadline)
		switch {
		case !ok:
			p.At, drop = time.Time{}, true
		case !at.After(now):
			p.At = now.Add(time.Millisecond)
		default:
			p.At = at
		}
	})
	if drop {
		s.Predictions = slices.DeleteFunc(s.Predictions, func(p Prediction) bool { return p.At.IsZero() })
	}
	return out
}

// predictedWarning is the SLA_AT_RISK of a predicted check: reason
// "predicted", probability the risk judged now (to 4 decimals), threshold
// sla.predict.threshold, remaining_seconds until the deadline; its event
// time is the check's instant.
func predictedWarning(s State, t Terms, sla SLA, at, deadline, now time.Time, p, threshold float64) Update {
	u := newUpdate(s, UpdateAtRisk, at, now)
	d := deadline
	u.Key = string(sla) + ":" + ReasonPredicted
	u.SLA, u.Deadline, u.Rule, u.Threshold = sla, &d, t.Rule, threshold
	u.Reason, u.Probability = ReasonPredicted, max(math.Round(p*1e4)/1e4, 0.0001)
	u.RemainingSeconds = max(math.Round(float64(deadline.Sub(now))/1e6)/1e3, 0.001)
	left := humanLeft(t.Calendar.Open(now, deadline))
	if t.Calendar != nil {
		left += " of open time"
	}
	u.Message = fmt.Sprintf("SLA AT RISK: Order %s has %s left to be %s (predicted: %s%% likely to miss) - Item: %s",
		s.OrderID, left, breachVerb[sla], percent(u.Probability), item(s))
	return u
}
