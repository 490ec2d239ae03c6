package order

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// warnTimes calls f with each warning of an SLA not yet sent or missed, and
// its time: when the fraction of the SLA's time has passed, the time from
// its start to its stored deadline counted as the deadline is (in open
// hours under the order's calendar). Under the terms the deadline was
// stored with, that is the fraction of the rule's duration; a reload moves
// neither the deadline nor these times (only its warn_at list applies).
func (t Terms) warnTimes(r Rules, s *State, sla SLA, deadline time.Time, f func(threshold float64, at time.Time)) {
	if len(t.WarnAt) == 0 {
		return
	}
	start, ok := r.reached(s, startStage(sla))
	if !ok {
		return
	}
	span := t.Calendar.Open(start, deadline)
	for _, th := range t.WarnAt {
		if !s.Warned(sla, th) {
			f(th, t.warningAt(start, span, th))
		}
	}
}

// warningAt is when the fraction th of span has passed since start, in
// open hours under the terms' calendar.
func (t Terms) warningAt(start time.Time, span time.Duration, th float64) time.Time {
	return t.Calendar.Add(start, time.Duration(math.Round(th*float64(span))))
}

// atRisk calls f with every SLA that can still be warned about: its start
// known, neither met, breached nor retracted, on an open order, with its
// stored deadline.
func (r Rules) atRisk(s *State, f func(t Terms, sla SLA, deadline time.Time)) {
	if s.Closed() {
		return
	}
	t := r.Terms(*s)
	if len(t.WarnAt) == 0 {
		return
	}
	for _, sla := range SLAs {
		at, ok := r.deadlineOf(s, t, sla)
		if !ok || s.decided(sla) {
			continue
		}
		if _, met := r.metAt(s, sla); !met {
			f(t, sla, at)
		}
	}
}

// warningDue reports whether a warning's time has come by now.
func (r Rules) warningDue(s *State, now time.Time) bool {
	due := false
	r.atRisk(s, func(t Terms, sla SLA, deadline time.Time) {
		t.warnTimes(r, s, sla, deadline, func(_ float64, at time.Time) { due = due || !now.Before(at) })
	})
	return due
}

// warn records and returns the warnings whose time has come by now. One
// whose deadline has passed too (inside sla.grace, or after downtime) is
// recorded as missed: a warning after the deadline would say nothing.
func (r Rules) warn(s *State, now time.Time) []Update {
	var out []Update
	r.atRisk(s, func(t Terms, sla SLA, deadline time.Time) {
		t.warnTimes(r, s, sla, deadline, func(th float64, at time.Time) {
			switch {
			case now.Before(at):
			case !now.Before(deadline):
				s.Warnings = append(s.Warnings, Warning{SLA: sla, Threshold: th, Missed: true})
			default:
				s.Warnings = append(s.Warnings, Warning{SLA: sla, Threshold: th})
				out = append(out, warning(*s, t, r, sla, th, at, deadline, now))
			}
		})
	})
	return out
}

// warning is the SLA_AT_RISK update of one SLA at one threshold. Its event
// time is the warning time and its threshold the warn_at fraction; the
// message and remaining_seconds say what is true when it is emitted: the
// (open) time left until the deadline and the share of the SLA's time
// used, which is past the threshold when the warning comes late (events
// that arrived late, a pipeline that was down).
func warning(s State, t Terms, r Rules, sla SLA, th float64, at, deadline, now time.Time) Update {
	u := newUpdate(s, UpdateAtRisk, at, now)
	d := deadline
	u.Key = string(sla) + ":" + FormatThreshold(th)
	u.SLA, u.Deadline, u.Rule, u.Threshold = sla, &d, t.Rule, th
	u.RemainingSeconds = max(math.Round(float64(deadline.Sub(now))/1e6)/1e3, 0.001)
	left := t.Calendar.Open(now, deadline)
	total := t.span(r, &s, sla, deadline)
	used := th
	if total > 0 {
		used = float64(total-left) / float64(total)
	}
	leftText := humanLeft(left)
	if t.Calendar != nil {
		leftText += " of open time"
	}
	u.Message = fmt.Sprintf("SLA AT RISK: Order %s has %s left to be %s (%s%% of %s used) - Item: %s",
		s.OrderID, leftText, breachVerb[sla], percent(used), HumanDuration(total), item(s))
	return u
}

// percent writes a share of time used in whole percent, rounded down (a
// warning at 75% says 75% until 76% is used): 85, 50.
func percent(f float64) string {
	return strconv.FormatFloat(math.Floor(f*100+1e-6), 'f', 0, 64)
}

// FormatThreshold writes a warn_at fraction as in Msg-Ids: 0.75, 0.5.
func FormatThreshold(th float64) string { return strconv.FormatFloat(th, 'f', -1, 64) }

// humanLeft writes the time left for a message in its two largest units:
// 3d5h, 6h, 2h30m, 45m10s, 9s; under ten seconds to a tenth (4.9s).
func humanLeft(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 10*time.Second {
		d = d.Round(time.Second)
	}
	switch {
	case d >= 2*day:
		d = d.Round(time.Hour)
		return joinUnits(fmt.Sprintf("%dd", d/day), d%day/time.Hour, "h")
	case d >= time.Hour:
		d = d.Round(time.Minute)
		return joinUnits(fmt.Sprintf("%dh", d/time.Hour), d%time.Hour/time.Minute, "m")
	case d >= time.Minute:
		d = d.Round(time.Second)
		return joinUnits(fmt.Sprintf("%dm", d/time.Minute), d%time.Minute/time.Second, "s")
	case d >= 10*time.Second:
		return fmt.Sprintf("%ds", d.Round(time.Second)/time.Second)
	}
	return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
}

func joinUnits(big string, small time.Duration, unit string) string {
	if small == 0 {
		return big
	}
	return big + strconv.FormatInt(int64(small), 10) + unit
}

// WarningTime is one warn_at threshold of an SLA of an order: when it falls
// and whether its SLA_AT_RISK was sent (or missed).
type WarningTime struct {
	Threshold float64   `json:"threshold"`
	At        time.Time `json:"at"`
	Sent      bool      `json:"sent"`
	Missed    bool      `json:"missed,omitempty"`
}

// WarningTimes lists the order's warnings of an SLA, sent or not, in
// threshold order: the warn_at fractions of its terms under r, at their
// times before its stored deadline; none while the SLA has no deadline.
func (r Rules) WarningTimes(s State, sla SLA) []WarningTime {
	t := r.Terms(s)
	deadline, ok := r.deadlineOf(&s, t, sla)
	if !ok {
		return nil
	}
	start, ok := r.reached(&s, startStage(sla))
	if !ok {
		return nil
	}
	span := t.Calendar.Open(start, deadline)
	var out []WarningTime
	for _, th := range t.WarnAt {
		w := WarningTime{Threshold: th, At: t.warningAt(start, span, th)}
		for _, x := range s.Warnings {
			if x.SLA == sla && x.Threshold == th {
				w.Sent, w.Missed = !x.Missed, x.Missed
			}
		}
		out = append(out, w)
	}
	return out
}
