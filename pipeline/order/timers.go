package order

import "time"

// Timer arithmetic: which of an order's check instants need a timer after a
// change. The pipeline lists each instant returned by Rules.Pending in a
// time slot (pipeline/timers.go) and never cancels one: a check that finds
// nothing due emits nothing. So after a change only the instants that are
// new need a timer.

// Added returns the deadlines of next that are not in prev, in next's
// order. Two deadlines are the same when every field is equal and their
// instants are equal (whatever their location): entries are opaque keys,
// so fields added to Deadline (e.g. a warning threshold) take part.
func Added(prev, next []Deadline) []Deadline {
	var out []Deadline
	for _, d := range next {
		if !contains(prev, d) {
			out = append(out, d)
		}
	}
	return out
}

// After returns the deadlines strictly after t: the ones a check at t left
// pending. A fired check consumes the instants at or before its time.
func After(ds []Deadline, t time.Time) []Deadline {
	var out []Deadline
	for _, d := range ds {
		if d.At.After(t) {
			out = append(out, d)
		}
	}
	return out
}

// NextCheck returns the earliest instant of r.Pending(s) strictly after
// after (the zero time: any) and strictly before before, without building
// the list: the next timer that would fire on the order before that time.
// A replay (whatif) judges each such instant with Check, in time order.
func (r Rules) NextCheck(s State, after, before time.Time) (time.Time, bool) {
	var next time.Time
	found := false
	r.eachPending(&s, func(d Deadline) {
		if (after.IsZero() || d.At.After(after)) && d.At.Before(before) && (!found || d.At.Before(next)) {
			next, found = d.At, true
		}
	})
	return next, found
}

func contains(ds []Deadline, d Deadline) bool {
	k := d.key()
	for _, x := range ds {
		if x.key() == k {
			return true
		}
	}
	return false
}

// key is the deadline in a form == compares: UTC, no monotonic reading.
func (d Deadline) key() Deadline {
	d.At = d.At.UTC().Round(0)
	return d
}
