package order

import (
	"fmt"
	"slices"
	"time"
)

// SLA names a service-level agreement on an order (SPEC section 5).
type SLA string

// The three SLAs.
const (
	SLAProcessing SLA = "processing"
	SLAShipping   SLA = "shipping"
	SLADelivery   SLA = "delivery"
)

// SLAs lists every SLA in the order they fall due on the happy path.
var SLAs = []SLA{SLAProcessing, SLAShipping, SLADelivery}

// Clock selects which time deadlines are computed from.
type Clock string

// The clocks of sla.clock.
const (
	// ClockEvent computes deadlines from the events' own timestamps.
	ClockEvent Clock = "event"
	// ClockArrival computes deadlines from when JetStream stored the events
	// (sla.clock: processing).
	ClockArrival Clock = "processing"
)

// Rules are the SLA terms in force: the default durations, calendar and
// warnings, the clock, the grace period and the segment rules (sla.rules)
// that override the defaults for the orders they match (SPEC section 11).
type Rules struct {
	Processing time.Duration // placed -> processing started; default 24h
	Shipping   time.Duration // processing started -> shipped; default 3d
	Delivery   time.Duration // placed -> delivered; default 7d
	Clock      Clock         // default ClockEvent
	// Grace delays a breach by that long past its deadline (event clock
	// only), so that late events can still prove the stage in time;
	// default 0.
	Grace time.Duration
	// WarnAt are the fractions of an SLA's time at which SLA_AT_RISK is
	// emitted, ascending, each in (0, 1); default none.
	WarnAt []float64
	// Calendar counts the default durations in open hours; default nil
	// (round the clock).
	Calendar *Calendar
	// Segments are the rules of sla.rules in order: the first whose match
	// fits an order is chosen for it; default none.
	Segments []Rule
	// Predict is sla.predict, the learned-risk warnings; default off.
	Predict Predict
	// Model is the learned risk predictions are made with; nil: none
	// (nothing is predicted). The pipeline sets it; config leaves it nil.
	Model Model
}

// DefaultRules are the SLAs of the original system: 24h, 3d, 7d on event time.
func DefaultRules() Rules {
	return Rules{Processing: 24 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, Clock: ClockEvent}
}

// Duration returns the allowed time of an SLA.
func (r Rules) Duration(s SLA) time.Duration {
	switch s {
	case SLAProcessing:
		return r.Processing
	case SLAShipping:
		return r.Shipping
	default:
		return r.Delivery
	}
}

// Deadline is an instant at which an order's SLA must be checked: the
// breach check (Threshold 0: the deadline, plus sla.grace), the warning
// time of one warn_at fraction (Threshold > 0), or a predicted-risk check
// (Predicted).
type Deadline struct {
	SLA       SLA
	At        time.Time
	Threshold float64
	Predicted bool
}

// Breach reports whether the instant is a breach check (not a warning).
func (d Deadline) Breach() bool { return d.Threshold == 0 && !d.Predicted }

// startStage is the stage whose time starts each SLA.
func startStage(s SLA) Stage {
	if s == SLAShipping {
		return StageProcessing
	}
	return StageOrder
}

// metBy lists the stages that meet each SLA.
func metBy(s SLA) []Stage {
	switch s {
	case SLAProcessing:
		return []Stage{StageProcessing, StageShipped, StageDelivered}
	case SLAShipping:
		return []Stage{StageShipped, StageDelivered}
	default:
		return []Stage{StageDelivered}
	}
}

// Met reports whether the order reached a stage that meets the SLA, in
// time or not.
func (s State) Met(sla SLA) bool {
	return slices.ContainsFunc(metBy(sla), func(st Stage) bool { return s.At(st) != nil })
}

// HumanDuration formats d the way breach messages show it: whole days from
// two days up (3d, 7d), else hours (24h), minutes (90m), seconds (10s), or
// Go syntax (1.5s).
func HumanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// reached returns when a stage was reached on the rules' clock.
func (r Rules) reached(s *State, st Stage) (time.Time, bool) {
	if r.Clock == ClockArrival {
		return s.Arrived.Get(st)
	}
	if p := s.At(st); p != nil {
		return *p, true
	}
	return time.Time{}, false
}

// Deadline returns when an SLA of the order falls due: the deadline stored
// when its start became known (its rule's duration then, counted in its
// calendar's open hours), and false while its start is unknown. A state
// stored before deadlines were kept gets, for a pending SLA, the deadline
// of the order's terms under r, and none for a met one.
func (r Rules) Deadline(s State, sla SLA) (time.Time, bool) {
	return r.deadlineOf(&s, r.Terms(s), sla)
}

func (t Terms) deadline(r Rules, s *State, sla SLA) (time.Time, bool) {
	start, ok := r.reached(s, startStage(sla))
	if !ok {
		return time.Time{}, false
	}
	return t.Calendar.Add(start, t.Duration(sla)), true
}

// grace is the breach delay: sla.grace on the event clock, none on arrival.
func (r Rules) grace() time.Duration {
	if r.Clock == ClockArrival {
		return 0
	}
	return r.Grace
}

// metAt returns the earliest time a stage meeting the SLA was reached.
func (r Rules) metAt(s *State, sla SLA) (time.Time, bool) {
	var first time.Time
	found := false
	for _, st := range metBy(sla) {
		if t, ok := r.reached(s, st); ok && (!found || t.Before(first)) {
			first, found = t, true
		}
	}
	return first, found
}

// Pending returns the instants at which the order must be checked: for
// every SLA whose start is known, that is neither met, breached nor
// retracted, on an order not closed, the warning time of each warn_at
// fraction not yet warned (Threshold f), its predicted-risk check if one
// is open (Predicted), and then the breach check (the deadline plus
// sla.grace, Threshold 0). They are sorted by SLA in the order of SLAs,
// warnings first by threshold.
func (r Rules) Pending(s State) []Deadline {
	var out []Deadline
	r.eachPending(&s, func(d Deadline) { out = append(out, d) })
	return out
}

// eachPending calls f with each instant of Pending, in its order.
func (r Rules) eachPending(s *State, f func(Deadline)) {
	if s.Closed() {
		return
	}
	t := r.Terms(*s)
	for _, sla := range SLAs {
		at, ok := r.deadlineOf(s, t, sla)
		if !ok || s.decided(sla) {
			continue
		}
		if _, met := r.metAt(s, sla); met {
			continue
		}
		t.warnTimes(r, s, sla, at, func(th float64, w time.Time) { f(Deadline{SLA: sla, At: w, Threshold: th}) })
		if i := s.prediction(sla); i >= 0 && !s.Predictions[i].Sent && !s.Predictions[i].Missed {
			f(Deadline{SLA: sla, At: s.Predictions[i].At, Predicted: true})
		}
		f(Deadline{SLA: sla, At: at.Add(r.grace())})
	}
}

// lateMet returns the SLAs that the stage just applied starts or meets and
// that were met only after their stored deadline, not yet recorded as
// breached: a late transition is a breach too. An SLA the stage does not
// touch was judged when its start or its meeting stage was applied.
func (r Rules) lateMet(s *State, stage Stage) []Deadline {
	var out []Deadline
	for _, sla := range SLAs {
		if startStage(sla) != stage && !slices.Contains(metBy(sla), stage) {
			continue
		}
		at, ok := s.Deadlines.Get(sla)
		if !ok || s.decided(sla) {
			continue
		}
		if met, ok := r.metAt(s, sla); ok && met.After(at) {
			out = append(out, Deadline{SLA: sla, At: at})
		}
	}
	return out
}

// overdue returns the SLAs whose stored deadline plus grace is at or before
// now, unmet, and neither breached nor retracted; cancelled orders have
// none. A met SLA is never overdue: it was judged when it was met, against
// its deadline then (lateMet), whatever the terms in force now. At is the
// deadline itself.
func (r Rules) overdue(s *State, now time.Time) []Deadline {
	if s.Status == StageCancelled {
		return nil
	}
	var out []Deadline
	t := r.Terms(*s)
	for _, sla := range SLAs {
		at, ok := r.deadlineOf(s, t, sla)
		if !ok || s.decided(sla) || now.Before(at.Add(r.grace())) {
			continue
		}
		if _, met := r.metAt(s, sla); met {
			continue
		}
		out = append(out, Deadline{SLA: sla, At: at})
	}
	return out
}
