package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/order/risk"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// predictArgs: a 60s processing SLA, predictions at the default threshold
// 0.8 once the segment (the default rule) holds 500 samples.
var predictArgs = []string{"--sla.processing", "60s", "--sla.shipping", "1h", "--sla.delivery", "1h",
	"--sla.predict.enabled", "true", "--sla.predict.min_samples", "500"}

// trainingDurations are the processing times of the 500 training orders:
// 400 took 20s, 100 took 120s (late).
func trainingDurations() []time.Duration {
	ds := make([]time.Duration, 500)
	for i := range ds {
		ds[i] = 20 * time.Second
		if i%5 == 4 {
			ds[i] = 120 * time.Second
		}
	}
	return ds
}

// train publishes the finished lifecycles of the training orders, placed
// ten minutes ago, processed after their duration, shipped and delivered
// 10 s later.
func (r *crashRig) train(prefix string, ds []time.Duration) {
	r.t.Helper()
	base := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Millisecond)
	var msgs []*nats.Msg
	for i, d := range ds {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		for step, x := range []struct {
			typ string
			at  time.Time
		}{{"ORDER_PLACED", base}, {"PROCESSING_STARTED", base.Add(d)}, {"ITEM_SHIPPED", base.Add(d + 5*time.Second)},
			{"ITEM_DELIVERED", base.Add(d + 10*time.Second)}} {
			m := nats.NewMsg(testTopo.EventSubject(id))
			m.Data = fmt.Appendf(nil, `{"event_id":"%s-%d","order_id":%q,"event_type":%q,"timestamp":%q,"item_name":"Socks"}`,
				id, step, id, x.typ, x.at.Format(time.RFC3339Nano))
			m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s-%d", id, step))
			msgs = append(msgs, m)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pipelinetest.PublishAll(ctx, r.js, msgs); err != nil {
		r.t.Fatal(err)
	}
}

// learned returns the samples stored in ORDER_RISK for a segment key.
func (r *crashRig) learned(segment string) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	kv, err := r.js.KeyValue(ctx, contract.RiskBucket)
	if err != nil {
		return 0, err
	}
	e, err := kv.Get(ctx, testTopo.RiskKey(predictGeneration(), segment))
	if err != nil {
		return 0, err
	}
	var h risk.Histogram
	err = h.UnmarshalBinary(e.Value())
	return h.Count(), err
}

// predictGeneration is the model generation of predictArgs: its SLA
// durations on the default rule, sla.predict.by [sla_rule].
func predictGeneration() string {
	cfg := config.Default()
	cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = time.Minute, time.Hour, time.Hour
	return cfg.Rules().ModelGeneration()
}

// TestPredictedWarningAcrossKill trains the processing model on 500
// finished orders of known durations through the real binary, then places
// a new order: it is warned once, SLA_AT_RISK with reason predicted, at
// the instant the model predicts (the crossing of risk 0.8 computed from
// the same 500 durations, to the nanosecond in event_time; emitted within
// the slot's precision), although the binary is killed with SIGKILL after
// training, after the order's check was listed, and after the warning.
// The model's samples are counted once across the kills.
func TestPredictedWarningAcrossKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	r := newCrashRig(t)
	r.start(predictArgs...)
	r.connect()
	ds := trainingDurations()
	r.train("TRAIN", ds)
	const segment = "processing/sla_rule=default"
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		n, err := r.learned(segment)
		if err == nil && n != uint64(len(ds)) {
			err = fmt.Errorf("%d samples learned, want %d", n, len(ds))
		}
		return err
	})
	r.waitIdle(20 * time.Second)
	r.signal(syscall.SIGKILL)
	r.start(predictArgs...) // reads the model from ORDER_RISK before it processes

	var h risk.Histogram
	for _, d := range ds {
		h.Add(d)
	}
	e, ok := h.Curve().Crossing(60*time.Second, 0.8)
	if !ok {
		t.Fatal("the training durations give no crossing")
	}
	placed := time.Now().UTC().Truncate(time.Millisecond)
	at := placed.Add(e)
	if err := r.placeOrders("PRED", 1, placed, ""); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, 10*time.Second, func() error {
		s := r.fullStates()["PRED-0000"]
		if len(s.Predictions) != 1 || s.Predictions[0].SLA != order.SLAProcessing || !s.Predictions[0].At.Equal(at) {
			return fmt.Errorf("predictions %+v, want processing at %s (placed + %s)", s.Predictions, at, e)
		}
		return nil
	})
	if time.Now().After(at.Add(-5 * time.Second)) {
		t.Fatalf("too slow: the predicted instant %s is near (placed %s)", at, placed)
	}
	r.signal(syscall.SIGKILL) // the check is listed in ORDER_SLA and the state
	r.start(predictArgs...)
	r.waitSubjects(testTopo.WarningsWildcard(), 1, time.Until(at)+20*time.Second)
	r.signal(syscall.SIGKILL)
	r.start(predictArgs...)
	r.waitIdle(20 * time.Second)

	var warns []crashOutput
	for _, o := range r.outputs() {
		if o.Type == order.UpdateAtRisk {
			warns = append(warns, o)
		}
	}
	if len(warns) != 1 {
		t.Fatalf("%d SLA_AT_RISK, want exactly 1: %+v", len(warns), warns)
	}
	w := warns[0]
	if w.OrderID != "PRED-0000" || w.SLA != order.SLAProcessing || w.Reason != "predicted" || w.Threshold != 0.8 ||
		w.MsgID != "PRED-0000:SLA_AT_RISK:processing:predicted" || w.Deadline == nil || !w.Deadline.Equal(placed.Add(time.Minute)) {
		t.Errorf("warning %+v (Msg-Id %s)", w.Update, w.MsgID)
	}
	if !w.EventTime.Equal(at) {
		t.Errorf("event_time %s, want the predicted instant %s (placed + %s)", w.EventTime, at, e)
	}
	late := w.EmittedAt.Sub(at)
	if late < 0 || late >= pipeline.SlotWidth+time.Second {
		t.Errorf("emitted %s after the predicted instant, want within the slot (%s) and the scheduler's tick", late, pipeline.SlotWidth)
	}
	if want := h.Curve().Risk(time.Minute, w.EmittedAt.Sub(placed)); w.Probability < 0.8 || w.Probability > want+1e-4 || w.Probability < want-1e-4 {
		t.Errorf("probability %v, want the risk when emitted, %.4f", w.Probability, want)
	}
	if left := time.Minute - w.EmittedAt.Sub(placed); w.RemainingSeconds != float64(left.Round(time.Millisecond))/1e9 {
		t.Errorf("remaining_seconds %v, want %v", w.RemainingSeconds, left.Round(time.Millisecond).Seconds())
	}
	t.Logf("predicted instant placed+%s, emitted %s after it, probability %v", e, late, w.Probability)
	if !r.fullStates()["PRED-0000"].PredictedWarned(order.SLAProcessing) {
		t.Error("the state does not record the warning as sent")
	}
	code, out, errs := runCommand(t, "get", "PRED-0000", "--nats.url", "nats://"+r.addr)
	if want := "predicted warning at " + at.Format(time.RFC3339Nano) + ": sent"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("get: exit %d, want a line with %q:\n%s%s", code, want, out, errs)
	}
	if n, err := r.learned(segment); err != nil || n != uint64(len(ds)) {
		t.Errorf("%d samples learned (%v) after the kills, want %d: none counted twice", n, err, len(ds))
	}
	r.signal(syscall.SIGTERM)
}

// TestRunReloadsPredictThreshold edits sla.predict.threshold of a running
// `run` from 0.8 to 0.5: an order placed after the reload gets its check
// at the 0.5 crossing, and an order placed before it, whose check was
// listed at the 0.8 crossing, is judged at that check with the threshold
// in force then (0.5).
func TestRunReloadsPredictThreshold(t *testing.T) {
	t.Parallel()
	const yaml = "generator:\n  demo_sla: \"false\"\nsla:\n  processing: 60s\n  shipping: 1h\n  delivery: 1h\n" +
		"  predict:\n    enabled: true\n    min_samples: 50\n    threshold: %s\n"
	r := startLive(t, fmt.Sprintf(yaml, "0.8"))
	rig := &crashRig{t: t, js: r.js}
	ds := trainingDurations()[:50]
	rig.train("TRAIN", ds)
	const segment = "processing/sla_rule=default"
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		n, err := rig.learned(segment)
		if err == nil && n != uint64(len(ds)) {
			err = fmt.Errorf("%d samples learned, want %d", n, len(ds))
		}
		return err
	})
	var h risk.Histogram
	for _, d := range ds {
		h.Add(d)
	}
	crossing := func(th float64) time.Duration {
		e, ok := h.Curve().Crossing(time.Minute, th)
		if !ok {
			t.Fatalf("no crossing at %v", th)
		}
		return e
	}
	predicted := func(id string, at time.Time) {
		t.Helper()
		pipelinetest.WaitFor(t, 10*time.Second, func() error {
			s := rig.fullStates()[id]
			if len(s.Predictions) != 1 || !s.Predictions[0].At.Equal(at) {
				return fmt.Errorf("%s: predictions %+v, want one at %s", id, s.Predictions, at)
			}
			return nil
		})
	}
	before := time.Now().UTC().Truncate(time.Millisecond)
	r.place("THRESH-1", before)
	predicted("THRESH-1", before.Add(crossing(0.8)))

	r.write(fmt.Sprintf(yaml, "0.5"))
	r.waitLog(pipelinetest.WaitTimeout(), `msg="configuration reloaded"`, 1)
	if th := r.s.info.Live.Config().SLA.Predict.Threshold; th != 0.5 {
		t.Fatalf("sla.predict.threshold in force %v, want 0.5", th)
	}
	after := time.Now().UTC().Truncate(time.Millisecond)
	r.place("THRESH-2", after)
	predicted("THRESH-2", after.Add(crossing(0.5)))
	if crossing(0.5) >= crossing(0.8) {
		t.Errorf("the 0.5 crossing %s is not before the 0.8 one %s", crossing(0.5), crossing(0.8))
	}

	rig.waitSubjects(testTopo.WarningsWildcard(), 2, time.Until(after.Add(crossing(0.5)))+20*time.Second)
	got := map[string]order.Update{}
	for _, o := range rig.outputs() {
		if o.Type == order.UpdateAtRisk {
			got[o.OrderID] = o.Update
		}
	}
	for id, at := range map[string]time.Time{"THRESH-1": before.Add(crossing(0.8)), "THRESH-2": after.Add(crossing(0.5))} {
		w, ok := got[id]
		if !ok || w.Reason != order.ReasonPredicted || w.Threshold != 0.5 || !w.EventTime.Equal(at) {
			t.Errorf("%s: warning %+v, want reason predicted, threshold 0.5, event_time %s", id, w, at)
		}
	}
	if len(got) != 2 {
		t.Errorf("warnings of %d orders, want 2", len(got))
	}
}
