package order

import "time"

// SLADeadlines holds each SLA's deadline as it was computed when the SLA's
// start became known, under the terms then in force (SPEC sections 4 and
// 12); a zero time is none yet. Every judgement of the SLA (breach,
// late transition, warnings, the instants Rules.Pending lists) uses it, so
// a reload never moves it; only sla.recompute: open rewrites it, for a
// pending SLA (Rechoose). Plain fields rather than a map: no allocation of
// its own in a cached state, and encoding/json reads it without a detour.
type SLADeadlines struct {
	Processing time.Time `json:"processing,omitzero"`
	Shipping   time.Time `json:"shipping,omitzero"`
	Delivery   time.Time `json:"delivery,omitzero"`
}

func (d *SLADeadlines) field(sla SLA) *time.Time {
	switch sla {
	case SLAProcessing:
		return &d.Processing
	case SLAShipping:
		return &d.Shipping
	}
	return &d.Delivery
}

// Get returns the stored deadline of an SLA, and false if none is stored.
func (d SLADeadlines) Get(sla SLA) (time.Time, bool) {
	at := *d.field(sla)
	return at, !at.IsZero()
}

func (d *SLADeadlines) set(sla SLA, at time.Time) { *d.field(sla) = at }

// IsZero reports whether no deadline is stored (the JSON then omits it).
func (d SLADeadlines) IsZero() bool { return d == SLADeadlines{} }

// Equal reports whether both hold the same instants (whatever their
// locations).
func (d SLADeadlines) Equal(o SLADeadlines) bool {
	return d.Processing.Equal(o.Processing) && d.Shipping.Equal(o.Shipping) && d.Delivery.Equal(o.Delivery)
}

// appendJSON appends the object encoding/json writes: the stored
// deadlines keyed by SLA, in the order of SLAs.
func (d SLADeadlines) appendJSON(b []byte) []byte {
	sep := byte('{')
	for _, sla := range SLAs {
		at, ok := d.Get(sla)
		if !ok {
			continue
		}
		b = appendKey(b, sep, string(sla))
		sep = ','
		b = appendTime(b, at)
	}
	if sep == '{' {
		b = append(b, '{')
	}
	return append(b, '}')
}

// storeDeadlines records the deadline of every SLA whose start is known and
// that has none stored, under the terms in force: when the start has just
// become known (prev is the state before the change), and for a state
// stored before deadlines were kept, at its first touch. An SLA that prev
// already showed started and met gets none: it was judged when it was met,
// and terms that came later must not judge it again.
func (r Rules) storeDeadlines(s *State, prev *State) {
	t := r.Terms(*s)
	for _, sla := range SLAs {
		if _, ok := s.Deadlines.Get(sla); ok {
			continue
		}
		if _, started := r.reached(prev, startStage(sla)); started && prev.Met(sla) {
			continue
		}
		if at, ok := t.deadline(r, s, sla); ok {
			s.Deadlines.set(sla, at)
		}
	}
}

// deadlineOf returns the deadline an SLA is judged against: the stored one.
// A state stored before deadlines were kept and not touched since has none:
// a pending SLA of it gets the one of the terms in force (what its next
// touch stores), a met one none (it was judged when met).
func (r Rules) deadlineOf(s *State, t Terms, sla SLA) (time.Time, bool) {
	if at, ok := s.Deadlines.Get(sla); ok {
		return at, true
	}
	if s.Met(sla) {
		return time.Time{}, false
	}
	return t.deadline(r, s, sla)
}

// span returns the SLA's allowed time as its deadline counts it: the open
// time (under the terms' calendar) from its start to the deadline, which
// is the rule's duration unless a reload changed the terms since the
// deadline was stored.
func (t Terms) span(r Rules, s *State, sla SLA, deadline time.Time) time.Duration {
	start, ok := r.reached(s, startStage(sla))
	if !ok {
		return t.Duration(sla)
	}
	return t.Calendar.Open(start, deadline)
}
