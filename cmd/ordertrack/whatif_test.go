package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
	"github.com/ordertrack/ordertrack/pipeline/whatif"
)

// whatifEvents is a known event set, three hours ago, whose outcomes differ
// between processing 10s and 3s: A is processed after 5s, B after 1s, C
// never, D is cancelled after 1.5s, E shipped (skipping processing) after
// 4s, F processed after 1s and cancelled.
func whatifEvents(t0 time.Time) []string {
	at := func(d float64) string {
		return t0.Add(time.Duration(d * float64(time.Second))).Format(time.RFC3339Nano)
	}
	var out []string
	for _, id := range whatifIDs {
		out = append(out, fmt.Sprintf(`{"order_id":%q,"event_type":"ORDER_PLACED","item_name":"Blue Jeans","tenant_id":"acme","timestamp":%q}`, id, at(0)))
	}
	return append(out,
		`{"order_id":"WI-A","event_type":"PROCESSING_STARTED","timestamp":"`+at(5)+`"}`,
		`{"order_id":"WI-B","event_type":"PROCESSING_STARTED","timestamp":"`+at(1)+`"}`,
		`{"order_id":"WI-D","event_type":"ORDER_CANCELLED","timestamp":"`+at(1.5)+`"}`,
		`{"order_id":"WI-E","event_type":"ITEM_SHIPPED","timestamp":"`+at(4)+`"}`,
		`{"order_id":"WI-F","event_type":"PROCESSING_STARTED","timestamp":"`+at(1)+`"}`,
		`{"order_id":"WI-F","event_type":"ORDER_CANCELLED","timestamp":"`+at(2)+`"}`,
	)
}

func writeSLAConfig(t *testing.T, processing string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	body := "sla:\n  processing: \"" + processing + "\"\n  shipping: \"1h\"\n  delivery: \"2h\"\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pipelineTally runs the real pipeline on the events under a config file
// and tallies the SLA outcomes of the stored states, as whatif does.
func pipelineTally(t *testing.T, file string, events []string) (map[order.SLA]whatif.Tally, string) {
	t.Helper()
	p := runPipeline(t, file)
	for _, e := range events {
		p.publish(t, e)
	}
	return p.tally(t, whatifIDs), p.url
}

// whatifIDs are the orders of whatifEvents.
var whatifIDs = []string{"WI-A", "WI-B", "WI-C", "WI-D", "WI-E", "WI-F"}

// tallied is the real pipeline (run) under one config file.
type tallied struct {
	url   string
	js    jetstream.JetStream
	rules order.Rules
}

func runPipeline(t *testing.T, file string) *tallied {
	t.Helper()
	s := startMain(t, "run", "--config", file, "--nats.embedded.listen", "127.0.0.1:0",
		"--nats.embedded.store_dir", t.TempDir(), "--generator.enabled", "false",
		"--streaming.partitions", "2", "--monitor.listen", "", "--output.console", "false")
	nc, js := pipelinetest.Connect(t, s.info.NATSURL, nil)
	t.Cleanup(nc.Close)
	return &tallied{url: s.info.NATSURL, js: js, rules: s.info.Config.Rules()}
}

// publish publishes one event (JSON) to its order's subject.
func (p *tallied) publish(t *testing.T, e string) {
	t.Helper()
	var head struct {
		OrderID string `json:"order_id"`
	}
	_ = json.Unmarshal([]byte(e), &head)
	if _, err := p.js.PublishMsg(context.Background(), &nats.Msg{Subject: testTopo.EventSubject(head.OrderID), Data: []byte(e)}); err != nil {
		t.Fatal(err)
	}
}

// tally waits until the pipeline has processed every event and fired every
// timer due of the orders ids, then tallies, as whatif does, the SLA
// outcomes of their stored states and the SLA_AT_RISK warnings it emitted.
func (p *tallied) tally(t *testing.T, ids []string) map[order.SLA]whatif.Tally {
	t.Helper()
	ctx := context.Background()
	kv, err := p.js.KeyValue(ctx, contract.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	var tally map[order.SLA]whatif.Tally
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		tally = map[order.SLA]whatif.Tally{}
		for _, id := range ids {
			e, err := kv.Get(ctx, id)
			if err != nil {
				return fmt.Errorf("order %s: %w", id, err)
			}
			st, err := contract.DecodeState(e.Value())
			if err != nil {
				return err
			}
			for _, d := range p.rules.Pending(st) {
				if !d.At.After(time.Now()) {
					return fmt.Errorf("order %s: the %s timer (due %s) has not fired yet", id, d.SLA, d.At)
				}
			}
			for _, sla := range order.SLAs {
				x := tally[sla]
				x.Orders++
				switch order.OutcomeOf(st, sla) {
				case order.OutcomeMet:
					x.Met++
				case order.OutcomeBreached:
					x.Breached++
				}
				tally[sla] = x
			}
		}
		return pendingInputs(ctx, p.js)
	})
	for _, m := range pipelinetest.ReadStream(t, p.js, contract.UpdatesStream, jetstream.OrderedConsumerConfig{}) {
		var u order.Update
		if err := json.Unmarshal(m.Data(), &u); err != nil {
			t.Fatal(err)
		}
		if u.Type == order.UpdateAtRisk {
			x := tally[u.SLA]
			x.Warnings++
			tally[u.SLA] = x
		}
	}
	return tally
}

// pendingInputs fails while the pipeline has events left to process.
func pendingInputs(ctx context.Context, js jetstream.JetStream) error {
	for p := range 2 {
		if err := pipelinetest.ConsumerIdle(ctx, js, contract.EventsStream, fmt.Sprintf("ordertrack-p%d", p)); err != nil {
			return err
		}
	}
	return nil
}

// liveEvent is an event of liveEvents, published when its time comes.
type liveEvent struct {
	at   time.Duration // after t0
	json string
}

// liveEvents is a known event set lived in real time, whose outcomes and
// warnings differ between processing 14s (warning at 7s) and 6s (warning at
// 3s), warn_at [0.5]: A is processed after 4.5s, B after 1s, C never, D
// cancelled after 1.5s, E shipped (skipping processing) after 9.5s, F
// processed after 1s and cancelled after 2s, G processed after 16s. Each
// event is 1.5s or more away from every warning and deadline, so the
// pipeline's timers fire between the events as they fall.
func liveEvents(t0 time.Time) []liveEvent {
	ev := func(id, typ string, secs float64) liveEvent {
		at := time.Duration(secs * float64(time.Second))
		return liveEvent{at, fmt.Sprintf(`{"order_id":%q,"event_type":%q,"item_name":"Blue Jeans","tenant_id":"acme","timestamp":%q}`,
			id, typ, t0.Add(at).Format(time.RFC3339Nano))}
	}
	var out []liveEvent
	for _, id := range liveIDs {
		out = append(out, ev(id, "ORDER_PLACED", 0))
	}
	return append(out,
		ev("WI-B", "PROCESSING_STARTED", 1), ev("WI-F", "PROCESSING_STARTED", 1),
		ev("WI-D", "ORDER_CANCELLED", 1.5), ev("WI-F", "ORDER_CANCELLED", 2),
		ev("WI-A", "PROCESSING_STARTED", 4.5), ev("WI-E", "ITEM_SHIPPED", 9.5),
		ev("WI-G", "PROCESSING_STARTED", 16),
	)
}

// liveIDs are the orders of liveEvents.
var liveIDs = []string{"WI-A", "WI-B", "WI-C", "WI-D", "WI-E", "WI-F", "WI-G"}

// TestWhatifMatchesThePipeline runs the pipeline under processing 14s and,
// on another store at the same time, under 6s, both warned at half the
// time, on events published as they happen (spaced wider than the warning
// gaps, so warnings fire between them), then asks whatif on the first
// stream what 6s would have done: its outcomes and warning counts equal
// both pipelines' exactly.
func TestWhatifMatchesThePipeline(t *testing.T) {
	t.Parallel()
	base, next := writeSLAConfig(t, "14s"), writeSLAConfig(t, "6s")
	for _, f := range []string{base, next} {
		appendFile(t, f, "  warn_at: [0.5]\n")
	}
	basePipe, newPipe := runPipeline(t, base), runPipeline(t, next)
	t0 := time.Now().Add(500 * time.Millisecond).Truncate(time.Millisecond)
	events := liveEvents(t0)
	for _, e := range events {
		contract.SleepUntil(context.Background(), t0.Add(e.at)) // a producer publishes an event when it happens
		basePipe.publish(t, e.json)
		newPipe.publish(t, e.json)
	}
	baseTally, newTally := basePipe.tally(t, liveIDs), newPipe.tally(t, liveIDs)

	code, out, errs := runCommand(t, "whatif", "--config", next, "--base", base, "--nats.url", basePipe.url, "--json")
	if code != 0 {
		t.Fatalf("whatif exit %d: %s%s", code, out, errs)
	}
	var got struct {
		Events, Orders int
		Rows           []whatif.Row
		Changed        []whatif.Change
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Events != len(events) || got.Orders != len(liveIDs) {
		t.Fatalf("events %d orders %d, want %d %d", got.Events, got.Orders, len(events), len(liveIDs))
	}
	for _, r := range got.Rows {
		b, n := baseTally[r.SLA], newTally[r.SLA]
		b.OnTimeRate, n.OnTimeRate = r.Base.OnTimeRate, r.New.OnTimeRate
		if r.Base != b || r.New != n {
			t.Errorf("%s: whatif base %+v new %+v; pipeline base %+v new %+v", r.SLA, r.Base, r.New, b, n)
		}
	}
	if p := baseTally[order.SLAProcessing]; p.Met != 4 || p.Breached != 2 || p.Warnings != 3 {
		t.Errorf("pipeline at 14s: processing %+v, want met 4 (A B E F) breached 2 (C G) warnings 3 (C E G)", p)
	}
	if p := newTally[order.SLAProcessing]; p.Met != 3 || p.Breached != 3 || p.Warnings != 4 {
		t.Errorf("pipeline at 6s: processing %+v, want met 3 (A B F) breached 3 (C E G) warnings 4 (A C E G)", p)
	}
	want := "[{WI-E processing met breached}]"
	if fmt.Sprint(got.Changed) != want {
		t.Errorf("changed %v, want %s", got.Changed, want)
	}
}

// TestWhatifNotesDemoSLAs: with the embedded server's defaults the demo
// SLAs replace NEW's durations, as for run; whatif says so on stderr and
// the outcomes do not change. With generator.demo_sla: false in both files
// there is no note and NEW's 3s applies.
func TestWhatifNotesDemoSLAs(t *testing.T) {
	t.Parallel()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	lines := whatifEvents(time.Now().Add(-3 * time.Hour).Truncate(time.Millisecond))
	if err := os.WriteFile(events, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(base, next string) (changed []whatif.Change, stderr string) {
		t.Helper()
		code, out, errs := runCommand(t, "whatif", "--config", next, "--base", base, "--events", events, "--json")
		if code != 0 {
			t.Fatalf("whatif exit %d: %s%s", code, out, errs)
		}
		var got struct{ Changed []whatif.Change }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return got.Changed, errs
	}
	base, next := writeSLAConfig(t, "10s"), writeSLAConfig(t, "3s")
	changed, stderr := run(base, next)
	if !strings.Contains(stderr, "note: the demo SLAs (processing 10s, shipping 10s, delivery 30s on the event clock) replace the sla durations of --config "+next) ||
		len(changed) != 0 {
		t.Errorf("demo: changed %v, stderr %q; want no change and the note naming %s", changed, stderr, next)
	}
	for _, f := range []string{base, next} {
		appendFile(t, f, "generator:\n  demo_sla: false\n")
	}
	changed, stderr = run(base, next)
	if want := "[{WI-A processing met breached} {WI-E processing met breached}]"; stderr != "" || fmt.Sprint(changed) != want {
		t.Errorf("demo_sla false: changed %v, stderr %q; want %s and no note", changed, stderr, want)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// TestWhatifSet: --set tries one change on top of the base, no NEW file:
// on a base with its own SLAs it changes what NEW.yaml with the same
// change does; on the embedded demo's base it goes on top of the demo
// SLAs (no note, only processing rows change); a mistyped key names the
// nearest; no change to try is a usage error; --show 0 prints no empty
// table.
func TestWhatifSet(t *testing.T) {
	t.Parallel()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	lines := whatifEvents(time.Now().Add(-3 * time.Hour).Truncate(time.Millisecond))
	if err := os.WriteFile(events, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runCommand(t, append([]string{"whatif", "--events", events}, args...)...)
	}
	changed := func(args ...string) string {
		t.Helper()
		code, out, errs := run(append(args, "--json")...)
		if code != 0 || errs != "" {
			t.Fatalf("whatif %v: exit %d, stderr %q", args, code, errs)
		}
		var got struct {
			Changed []whatif.Change
			Rows    []whatif.Row
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, r := range got.Rows {
			if r.SLA != order.SLAProcessing && r.Base != r.New {
				t.Errorf("whatif %v: row %s %s changed (%+v -> %+v); only processing was set", args, r.Group, r.SLA, r.Base, r.New)
			}
		}
		return fmt.Sprint(got.Changed)
	}
	const want = "[{WI-A processing met breached} {WI-E processing met breached}]"
	own := writeSLAConfig(t, "10s")
	appendFile(t, own, "generator:\n  demo_sla: false\n")
	if got := changed("--base", own, "--set", "sla.processing=3s"); got != want {
		t.Errorf("--set sla.processing=3s on a base of 10s: changed %s, want %s", got, want)
	}
	demo := writeSLAConfig(t, "24h") // the embedded demo: its SLAs replace these
	if got := changed("--base", demo, "--set", "sla.processing=3s"); got != want {
		t.Errorf("--set sla.processing=3s on the demo's 10s: changed %s, want %s", got, want)
	}

	code, out, errs := run("--base", own, "--set", "sla.processing=3s", "--show", "0")
	if code != 0 {
		t.Fatalf("--show 0: exit %d: %s", code, errs)
	}
	if strings.Contains(out, "\nORDER ") || !strings.HasSuffix(out, "\nThe outcome of 2 orders changes (--show N lists them).\n") {
		t.Errorf("--show 0 printed a table of changed orders or no count:\n%s", out)
	}

	code, _, errs = run("--base", own, "--set", "sla.procesing=3s")
	if want := `whatif: --set: config key "sla.procesing": unknown key (--set sla.procesing); did you mean sla.processing?`; code != 1 || !strings.Contains(errs, want) {
		t.Errorf("mistyped --set: exit %d, stderr %q; want 1 and %q", code, errs, want)
	}
	code, _, errs = run("--base", own, "--set", "sla.processing=-3s")
	if code != 1 || !strings.Contains(errs, `config key "sla.processing"`) {
		t.Errorf("bad --set value: exit %d, stderr %q; want 1 naming sla.processing", code, errs)
	}
	code, _, errs = run("--base", own)
	if code != 2 || !strings.Contains(errs, "needs --set key=value (repeatable) or --config NEW.yaml") {
		t.Errorf("nothing to try: exit %d, stderr %q; want 2 and the usage error", code, errs)
	}
}

// TestWhatifTriesAPredictionThreshold: on a base that predicts at 0.8,
// --set sla.predict.threshold=0.45 counts the predicted warnings both
// would have sent, learned from the recorded events themselves: ten
// orders teach processing 2 s (six), 4 s (two) and 20 s (two); of three
// orders placed later, the one processed after 3 s is warned at 0.45 only
// (a false alarm), the one never processed at both (its breach foretold).
func TestWhatifTriesAPredictionThreshold(t *testing.T) {
	t.Parallel()
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	ev := func(id, typ string, secs int) string {
		return fmt.Sprintf(`{"order_id":%q,"event_type":%q,"item_name":"Blue Jeans","tenant_id":"acme","timestamp":%q}`,
			id, typ, t0.Add(time.Duration(secs)*time.Second).Format(time.RFC3339Nano))
	}
	var lines []string
	for i := range 10 {
		lines = append(lines, ev(fmt.Sprintf("T%d", i), "ORDER_PLACED", 0))
	}
	for i, secs := range []int{2, 2, 2, 2, 2, 2, 4, 4, 20, 20} {
		lines = append(lines, ev(fmt.Sprintf("T%d", i), "PROCESSING_STARTED", secs))
	}
	lines = append(lines, ev("X1", "ORDER_PLACED", 30), ev("X2", "ORDER_PLACED", 30), ev("X3", "ORDER_PLACED", 30),
		ev("X1", "PROCESSING_STARTED", 31), ev("X2", "PROCESSING_STARTED", 33))
	events := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(events, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := writeSLAConfig(t, "10s")
	appendFile(t, base, "  predict:\n    enabled: true\n    threshold: 0.8\n    min_samples: 4\ngenerator:\n  demo_sla: false\n")

	code, out, errs := runCommand(t, "whatif", "--events", events, "--base", base, "--set", "sla.predict.threshold=0.45", "--json")
	if code != 0 {
		t.Fatalf("whatif: exit %d: %s%s", code, out, errs)
	}
	var got struct{ Rows []whatif.Row }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := whatif.Row{Group: "all", SLA: order.SLAProcessing,
		Base: whatif.Tally{Orders: 13, Met: 10, Breached: 3, Predicted: 1, PredictedBreached: 1, OnTimeRate: 0.7692},
		New:  whatif.Tally{Orders: 13, Met: 10, Breached: 3, Predicted: 2, PredictedBreached: 1, OnTimeRate: 0.7692}}
	if len(got.Rows) != 3 || !reflect.DeepEqual(got.Rows[0], want) {
		t.Fatalf("whatif --set sla.predict.threshold=0.45: rows %+v\nwant first %+v", got.Rows, want)
	}

	code, text, errs := runCommand(t, "whatif", "--events", events, "--base", base, "--set", "sla.predict.threshold=0.45")
	if code != 0 {
		t.Fatalf("whatif: exit %d: %s%s", code, text, errs)
	}
	if !strings.Contains(text, "PREDICTED base→new") || !regexp.MustCompile(`all\s+processing\s+13\s+10 → 10\s+3 → 3\s+0 → 0\s+1 → 2 \(\+1\)\s+1 → 1\s+76.92%`).MatchString(text) {
		t.Errorf("whatif text lacks the predicted column or the processing row:\n%s", text)
	}
}
