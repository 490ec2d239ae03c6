package order

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Apply applies one event to an order's state and returns the new state and
// the updates to emit (SPEC sections 4 and 6). now is the processing time,
// used for updated_at and emitted_at. The input state is not modified.
//
// Apply is idempotent: applying an event a second time (same event id or an
// already recorded stage) returns the state unchanged and no update.
func Apply(s State, e Event, r Rules, now time.Time) (State, []Update) {
	stage, ok := applicable(s, e)
	if !ok {
		return s, nil
	}
	next := s.Clone()
	return next, apply(&next, s, stage, e, r, now, nil)
}

// ApplyInPlace is Apply for a caller that owns s and keeps no other copy of
// it (a replay): s becomes the new state, sharing its slices with nothing,
// and the updates are appended to out, so that nothing is cloned and one
// buffer serves every event.
func ApplyInPlace(s *State, e Event, r Rules, now time.Time, out []Update) []Update {
	stage, ok := applicable(*s, e)
	if !ok {
		return out
	}
	prev := *s // apply reads of it only the status and the stages' times, which it replaces, never edits
	return apply(s, prev, stage, e, r, now, out)
}

// applicable returns the stage of an event that changes the state: not a
// duplicate (same event id, a stage recorded or rejected already).
func applicable(s State, e Event) (Stage, bool) {
	stage, ok := e.Type.Stage()
	if !ok || s.seenEvent(e.EventID) || s.At(stage) != nil || containsStage(s.Rejected, stage) {
		return stage, false
	}
	return stage, true
}

// apply turns next (prev until now) into the state after the event and
// appends its updates to out.
func apply(next *State, prev State, stage Stage, e Event, r Rules, now time.Time, out []Update) []Update {
	if next.OrderID == "" {
		next.OrderID = e.OrderID
	}
	next.UpdatedAt = now
	next.rememberEvent(e.EventID)
	if reason := impossible(prev, stage, e.Timestamp); reason != "" {
		next.Rejected = append(next.Rejected, stage)
		return append(out, rejection(*next, e, stage, reason, now))
	}
	next.absorb(e)
	next.chooseRule(r, stage)
	next.setAt(stage, e.Timestamp)
	next.Arrived.set(stage, e.Arrived)
	r.storeDeadlines(next, &prev)
	out = append(out, advance(next, prev, stage, e, now))
	out = r.retract(next, stage, now, out)
	if next.Status == StageCancelled {
		return out
	}
	for _, d := range r.lateMet(next, stage) {
		next.Breaches = append(next.Breaches, d.SLA)
		out = append(out, breach(*next, d, r, now))
	}
	r.plan(next)
	return out
}

// Check evaluates a fired SLA timer at time now: every SLA of the order that
// is due, unmet by its deadline, not yet breached and not on a cancelled
// order becomes a breach. It returns the state unchanged and no update when
// there is nothing to report (a stale or early timer).
//
// Check also emits the SLA_AT_RISK warnings whose time has come (SPEC
// section 11): before the deadline, on an open order whose SLA is unmet. A
// warning whose time came only after the deadline is recorded as missed.
//
// A state stored before deadlines were kept gets its pending SLAs'
// deadlines stored under r, and is returned with them even when nothing
// else changed.
func Check(s State, r Rules, now time.Time) (State, []Update) {
	r.storeDeadlines(&s, &s) // s is a copy; Deadlines is an array
	s.Predictions = slices.Clone(s.Predictions)
	r.plan(&s)
	due := r.overdue(&s, now)
	if len(due) == 0 && !r.warningDue(&s, now) && !r.predictionDue(&s, now) {
		return s, nil
	}
	next := s.Clone()
	next.UpdatedAt = now
	out := make([]Update, 0, len(due))
	for _, d := range due {
		next.Breaches = append(next.Breaches, d.SLA)
		out = append(out, breach(next, d, r, now))
	}
	out = append(out, r.warn(&next, now)...)
	out = append(out, r.judge(&next, now)...)
	return next, out
}

// impossible says why a stage cannot be applied to the state, or "". A
// cancelled order still records earlier stages that happened before the
// cancellation (late facts), but never a delivery or a stage after it.
func impossible(s State, stage Stage, at time.Time) string {
	switch {
	case stage == StageCancelled && s.Status == StageDelivered:
		return "cannot cancel: order already delivered"
	case s.Status != StageCancelled:
		return ""
	case stage == StageDelivered:
		return "cannot deliver: order already cancelled"
	case s.CancelledAt == nil || !at.Before(*s.CancelledAt): // late facts are strictly before (SPEC 4)
		return fmt.Sprintf("cannot apply %s: order already cancelled", stage)
	}
	return ""
}

// advance moves the status forward (or records a late stage) and returns the
// update describing it.
func advance(next *State, prev State, stage Stage, e Event, now time.Time) Update {
	u := newUpdate(*next, updateFor(stage), e.Timestamp, now)
	u.Key = stage.Key()
	switch {
	case stage == StageCancelled:
		next.Status = StageCancelled
		u.Message = "Order cancelled: " + item(*next) + " (was " + string(orNew(prev.Status)) + ")"
	case prev.Status != StageCancelled && stage.rank() > prev.Status.rank():
		next.Status = stage
		u.Message = stepMessage(stage, *next) + skippedNote(*next, prev.Status, stage)
	default:
		u.Late = true
		u.Message = "Late event: " + lowerFirst(stepMessage(stage, *next)) + " recorded after " + string(prev.Status)
	}
	u.Status = next.Status
	return u
}

// lowerFirst lower-cases the first letter of a step message (ASCII), so
// that it reads on after "Late event: " while item names keep their case.
func lowerFirst(msg string) string {
	if msg != "" && msg[0] >= 'A' && msg[0] <= 'Z' {
		return string(msg[0]+'a'-'A') + msg[1:]
	}
	return msg
}

// skippedNote names the stages jumped over that were never seen.
func skippedNote(s State, from, to Stage) string {
	var missing []string
	for _, st := range forward {
		if st.rank() > from.rank() && st.rank() < to.rank() && s.At(st) == nil {
			missing = append(missing, string(st))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return " (stage not seen: " + strings.Join(missing, ", ") + ")"
}

func stepMessage(stage Stage, s State) string {
	switch stage {
	case StageOrder:
		if s.Quantity > 0 {
			return "Order placed for " + item(s) + " (qty " + strconv.Itoa(s.Quantity) + ")"
		}
		return "Order placed for " + item(s)
	case StageProcessing:
		return "Processing started for " + item(s)
	case StageShipped:
		return "Item shipped: " + item(s)
	default:
		return "Item delivered: " + item(s)
	}
}

func rejection(s State, e Event, stage Stage, reason string, now time.Time) Update {
	u := newUpdate(s, UpdateRejected, e.Timestamp, now)
	u.Key = "rejected-" + stage.Key()
	u.Message = fmt.Sprintf("Event rejected: %s (%s)", e.Type, reason)
	return u
}

// breach is the SLA_BREACH update of a deadline; its message names the
// time the deadline allowed (the rule's duration when it was stored).
func breach(s State, d Deadline, r Rules, now time.Time) Update {
	u := newUpdate(s, UpdateBreach, d.At, now)
	at := d.At
	t := r.Terms(s)
	u.Key, u.SLA, u.Deadline, u.SLABreach, u.Rule = string(d.SLA), d.SLA, &at, true, t.Rule
	u.Message = "SLA BREACH: Order " + s.OrderID + " not " + breachVerb[d.SLA] + " within " +
		HumanDuration(t.span(r, &s, d.SLA, d.At)) + " - Item: " + item(s)
	return u
}

var breachVerb = map[SLA]string{SLAProcessing: "processed", SLAShipping: "shipped", SLADelivery: "delivered"}

func newUpdate(s State, t UpdateType, eventTime, now time.Time) Update {
	return Update{
		OrderID: s.OrderID, Type: t, Status: s.Status, EventTime: eventTime, EmittedAt: now,
		CustomerID: s.CustomerID, ItemName: s.ItemName, TenantID: s.TenantID,
	}
}

func updateFor(stage Stage) UpdateType {
	switch stage {
	case StageOrder:
		return UpdateConfirmed
	case StageProcessing:
		return UpdateProcessing
	case StageShipped:
		return UpdateShipped
	case StageDelivered:
		return UpdateDelivered
	}
	return UpdateCancelled
}

func item(s State) string {
	if s.ItemName == "" {
		return "unknown"
	}
	return s.ItemName
}

func orNew(st Stage) Stage {
	if st == StageNone {
		return "NEW"
	}
	return st
}

func containsStage(list []Stage, st Stage) bool {
	for _, x := range list {
		if x == st {
			return true
		}
	}
	return false
}
