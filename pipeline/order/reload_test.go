package order

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// The terms of a live reload: an order judged under before, then checked
// under after (every SLA shorter, warnings on in both).
var (
	termsBefore = Rules{Processing: 3 * time.Second, Shipping: 4 * time.Second, Delivery: 6 * time.Second,
		Clock: ClockEvent, WarnAt: []float64{0.5}}
	termsAfter = Rules{Processing: time.Second, Shipping: time.Second, Delivery: 2 * time.Second,
		Clock: ClockEvent, WarnAt: []float64{0.5}}
)

// secs returns t0 plus s seconds.
func secs(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// TestReloadJudgesTheStoredDeadlines applies events under termsBefore, then
// checks the order under termsAfter: a met SLA and a closed order are never
// breached or warned by the shorter terms, and a pending SLA keeps the
// deadline it had (and its warning time, a fraction of that deadline's span).
func TestReloadJudgesTheStoredDeadlines(t *testing.T) {
	placed := placedEvent(secs(0))
	proc := bare(ProcessingStarted, secs(1.6)) // processing met under 3s, not under 1s
	tests := []struct {
		name   string
		events []Event
		before []time.Time // checks run under termsBefore first (timers fired before the reload)
		at     time.Time   // when the check runs, under termsAfter
		want   []wantUpd
	}{
		{"met processing, later timer, nothing due", []Event{placed, proc}, nil, secs(2), nil},
		{"met processing, shipping and delivery warned on their stored spans", []Event{placed, proc}, nil, secs(3.6), []wantUpd{
			warnUpd(SLAShipping, StageProcessing, 0.5, secs(3.6), secs(5.6), secs(3.6),
				"SLA AT RISK: Order ORD-1 has 2s left to be shipped (50% of 4s used) - Item: Blue Jeans"),
			warnUpd(SLADelivery, StageProcessing, 0.5, secs(3), secs(6), secs(3.6),
				"SLA AT RISK: Order ORD-1 has 2.4s left to be delivered (60% of 6s used) - Item: Blue Jeans"),
		}},
		{"met processing, every pending deadline passed", []Event{placed, proc}, []time.Time{secs(3.6)}, secs(6), []wantUpd{
			breachUpd(SLAShipping, StageProcessing, secs(5.6), secs(6), "SLA BREACH: Order ORD-1 not shipped within 4s - Item: Blue Jeans"),
			breachUpd(SLADelivery, StageProcessing, secs(6), secs(6), "SLA BREACH: Order ORD-1 not delivered within 6s - Item: Blue Jeans"),
		}},
		{"delivered order, nothing ever", []Event{placed, proc, bare(ItemShipped, secs(2)), bare(ItemDelivered, secs(3))}, nil, secs(60), nil},
		{"cancelled order, nothing ever", []Event{placed, bare(OrderCancelled, secs(0.5))}, nil, secs(60), nil},
		{"pending processing warned at half its stored 3s", []Event{placed}, nil, secs(1.5), []wantUpd{
			warnUpd(SLAProcessing, StageOrder, 0.5, secs(1.5), secs(3), secs(1.5),
				"SLA AT RISK: Order ORD-1 has 1.5s left to be processed (50% of 3s used) - Item: Blue Jeans"),
		}},
		{"pending processing breached at its stored deadline", []Event{placed}, []time.Time{secs(1.5)}, secs(3), []wantUpd{
			breachUpd(SLAProcessing, StageOrder, secs(3), secs(3), "SLA BREACH: Order ORD-1 not processed within 3s - Item: Blue Jeans"),
			warnUpd(SLADelivery, StageOrder, 0.5, secs(3), secs(6), secs(3),
				"SLA AT RISK: Order ORD-1 has 3s left to be delivered (50% of 6s used) - Item: Blue Jeans"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, termsBefore, tt.events...)
			for _, at := range tt.before {
				s, _ = Check(s, termsBefore, at)
			}
			_, got := Check(s, termsAfter, tt.at)
			checkUpdates(t, got, tt.want)
		})
	}
}

// TestReloadPendingLists checks the instants Pending lists for an order
// after a reload: those of the stored deadlines, not the new terms'.
func TestReloadPendingLists(t *testing.T) {
	s := build(t, termsBefore, placedEvent(secs(0)), bare(ProcessingStarted, secs(1.6)))
	want := []Deadline{
		{SLAShipping, secs(3.6), 0.5, false}, {SLAShipping, secs(5.6), 0, false},
		{SLADelivery, secs(3), 0.5, false}, {SLADelivery, secs(6), 0, false},
	}
	got := termsAfter.Pending(s)
	if len(got) != len(want) {
		t.Fatalf("Pending = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].SLA != want[i].SLA || !got[i].At.Equal(want[i].At) || got[i].Threshold != want[i].Threshold {
			t.Errorf("Pending[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestReloadLateEventJudgedOnStoredDeadline: an event that meets an SLA
// after a reload is judged against the deadline stored when its start
// became known.
func TestReloadLateEventJudgedOnStoredDeadline(t *testing.T) {
	s := build(t, termsBefore, placedEvent(secs(0)))
	_, got := Apply(s, bare(ProcessingStarted, secs(2)), termsAfter, testNow) // in time under 3s
	checkUpdates(t, got, []wantUpd{upd(UpdateProcessing, StageProcessing, "processing", secs(2), "processing")})
}

// warnUpd is the expected SLA_AT_RISK of ORD-1 with its exact message.
func warnUpd(sla SLA, status Stage, th float64, at, deadline, emitted time.Time, msg string) wantUpd {
	d := deadline
	return wantUpd{Update: Update{OrderID: "ORD-1", Type: UpdateAtRisk, Status: status, Message: msg,
		SLA: sla, Deadline: &d, Rule: DefaultRule, Threshold: th, RemainingSeconds: math.Round(float64(deadline.Sub(emitted))/1e6) / 1e3,
		EventTime: at, EmittedAt: emitted, CustomerID: "CUST-1", ItemName: "Blue Jeans", TenantID: "acme",
		Key: string(sla) + ":" + FormatThreshold(th)}}
}

// deadlinesOf returns the stored deadlines of a state by SLA.
func deadlinesOf(s State) map[SLA]time.Time {
	out := map[SLA]time.Time{}
	for _, sla := range SLAs {
		if at, ok := s.Deadlines.Get(sla); ok {
			out[sla] = at
		}
	}
	return out
}

func checkDeadlines(t *testing.T, what string, s State, want map[SLA]time.Time) {
	t.Helper()
	got := deadlinesOf(s)
	if len(got) != len(want) {
		t.Errorf("%s: deadlines %v, want %v", what, got, want)
		return
	}
	for sla, at := range want {
		if !got[sla].Equal(at) {
			t.Errorf("%s: %s deadline %v, want %v", what, sla, got[sla], at)
		}
	}
}

// TestDeadlinesStoredAndRecomputed: a deadline is stored when its start
// becomes known, under the terms then in force; later terms leave it
// (sla.recompute: new), and Rechoose (sla.recompute: open) rewrites the
// pending ones only: never a met, breached or retracted SLA's, never a
// closed order's.
func TestDeadlinesStoredAndRecomputed(t *testing.T) {
	placed, proc := placedEvent(secs(0)), bare(ProcessingStarted, secs(1.6))
	metProc := build(t, termsBefore, placed, proc)
	breachedProc, _ := Check(build(t, termsBefore, placed), termsBefore, secs(3))
	delivered := build(t, termsBefore, placed, proc, bare(ItemDelivered, secs(3)))
	tests := []struct {
		name string
		got  State
		want map[SLA]time.Time
	}{
		{"placed: processing and delivery", build(t, termsBefore, placed),
			map[SLA]time.Time{SLAProcessing: secs(3), SLADelivery: secs(6)}},
		{"processing started: shipping too", metProc,
			map[SLA]time.Time{SLAProcessing: secs(3), SLAShipping: secs(5.6), SLADelivery: secs(6)}},
		{"processing started under shorter terms: shipping under them, the rest kept",
			build(t, termsBefore, placed), nil}, // filled below
		{"new terms, a later check: nothing rewritten", func() State { s, _ := Check(metProc, termsAfter, secs(2)); return s }(),
			map[SLA]time.Time{SLAProcessing: secs(3), SLAShipping: secs(5.6), SLADelivery: secs(6)}},
		{"recompute: pending shipping and delivery rewritten, met processing kept", Rechoose(metProc, termsAfter),
			map[SLA]time.Time{SLAProcessing: secs(3), SLAShipping: secs(2.6), SLADelivery: secs(2)}},
		{"recompute: breached processing kept", Rechoose(breachedProc, termsAfter),
			map[SLA]time.Time{SLAProcessing: secs(3), SLADelivery: secs(2)}},
		{"recompute: a delivered order is left as it is", Rechoose(delivered, termsAfter),
			map[SLA]time.Time{SLAProcessing: secs(3), SLAShipping: secs(5.6), SLADelivery: secs(6)}},
	}
	shorter, _ := Apply(build(t, termsBefore, placed), proc, termsAfter, testNow)
	tests[2].got, tests[2].want = shorter, map[SLA]time.Time{SLAProcessing: secs(3), SLAShipping: secs(2.6), SLADelivery: secs(6)}
	for _, tt := range tests {
		checkDeadlines(t, tt.name, tt.got, tt.want)
	}
	if _, ok := metProc.Deadlines.Get(SLAShipping); !ok || !deadlinesOf(metProc)[SLAShipping].Equal(secs(5.6)) {
		t.Errorf("Rechoose changed its input: %v", deadlinesOf(metProc))
	}
	// After a recompute the rewritten deadlines are the ones judged.
	_, us := Check(Rechoose(metProc, termsAfter), termsAfter, secs(2.6))
	if len(us) != 2 || us[0].SLA != SLAShipping || !us[0].Deadline.Equal(secs(2.6)) || us[1].SLA != SLADelivery ||
		!us[1].Deadline.Equal(secs(2)) || us[0].Message != "SLA BREACH: Order ORD-1 not shipped within 1s - Item: Blue Jeans" {
		t.Errorf("Check after a recompute: %v", us)
	}
}

// TestStateWithoutDeadlines: a state stored before deadlines were kept
// gets its pending SLAs' deadlines at its first touch, under the terms
// then in force; an SLA it shows met is never judged again.
func TestStateWithoutDeadlines(t *testing.T) {
	s := build(t, termsBefore, placedEvent(secs(0)), bare(ProcessingStarted, secs(1.6)))
	s.Deadlines = SLADeadlines{} // as an older version stored it
	if d, ok := termsAfter.Deadline(s, SLAProcessing); ok {
		t.Errorf("met processing without a stored deadline: Deadline = %v, want none", d)
	}
	if d, _ := termsAfter.Deadline(s, SLAShipping); !d.Equal(secs(2.6)) {
		t.Errorf("pending shipping: Deadline = %v, want the terms in force: %v", d, secs(2.6))
	}
	next, us := Check(s, termsAfter, secs(2))
	if len(us) != 1 || us[0].SLA != SLADelivery || !us[0].Deadline.Equal(secs(2)) {
		t.Errorf("first touch: %v, want only the delivery breach at 2s", us)
	}
	checkDeadlines(t, "first touch", next, map[SLA]time.Time{SLAShipping: secs(2.6), SLADelivery: secs(2)})
	quiet, us := Check(s, termsAfter, secs(0.9))
	if len(us) != 0 {
		t.Errorf("nothing due: %v", us)
	}
	checkDeadlines(t, "a touch with nothing due", quiet, map[SLA]time.Time{SLAShipping: secs(2.6), SLADelivery: secs(2)})
}

func TestDeadlinesJSON(t *testing.T) {
	s := build(t, testRules, placedEvent(t0.Add(123456789)))
	b := s.AppendJSON(nil)
	want := `"sla_rule":"default","deadlines":{"processing":"2024-01-01T22:00:00.123456789Z","delivery":"2024-01-08T10:00:00.123456789Z"},"customer_id"`
	if !strings.Contains(string(b), want) {
		t.Errorf("state JSON %s\nwant it to contain %s", b, want)
	}
	checkEncoding(t, s)
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Deadlines.Equal(s.Deadlines) {
		t.Errorf("round trip: %v, want %v", back.Deadlines, s.Deadlines)
	}
}
