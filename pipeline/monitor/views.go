package monitor

import (
	"strings"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// views are the dashboard's views of the ORDERS bucket, kept up to date
// one change at a time: orders by status, pending SLA checks by SLA,
// attainment under every grouping and the open orders by next deadline.
// Each order costs one entry (48 bytes), its id, a slot of the index and
// of the at-risk heap: 83 bytes an order measured at a million orders
// (BenchmarkReadModelAtScale); what is shown of it beyond
// that (customer, item) is read back from the bucket for the few orders
// listed. Not safe for concurrent use: ReadModel locks around it.
type views struct {
	index   orderIndex
	entries []entry  // by entry number; deleted orders' entries are reused
	free    []uint32 // entry numbers free for reuse
	byState map[order.Stage]int64
	timers  [3]int64 // orders with a pending check, per SLA in the order of order.SLAs
	tallies [len(groupings)]*order.Tally
	atRisk  deadlineHeap
	names   names // tenants, rules, service levels
	states  names // statuses
}

// groupings are the tallies views keep: order.Groupings, BySLA first.
var groupings = [...]order.Grouping{order.BySLA, order.ByTenant, order.ByRule, order.ByServiceLevel}

// entry is what views keep of one order: enough to take its share of every
// count back out when it changes, and its place in the at-risk heap.
type entry struct {
	id       string
	deadline int64     // the next pending deadline, Unix ns (when due)
	slot     int32     // index in views.atRisk; -1: not listed
	groups   [3]uint32 // names of its tenant, rule and service level groups
	status   uint8     // name of its status in views.states
	outcomes [3]uint8  // outcome per SLA (outcomeCodes), retracted<<4
	pending  uint8     // bit i: SLA i has a pending check
	sla      uint8     // the SLA of deadline
	due      bool      // it has a pending deadline
	known    bool      // counted in the tallies
}

// outcomeCodes are the outcomes an entry stores, by code.
var outcomeCodes = [...]order.Outcome{order.OutcomePending, order.OutcomeMet, order.OutcomeBreached, order.OutcomeCancelled}

// invalidStatus is the status an undecodable value is counted under.
const invalidStatus order.Stage = "invalid"

func newViews() *views {
	v := &views{byState: map[order.Stage]int64{}}
	for i, g := range groupings {
		v.tallies[i] = order.NewTally(g, time.Time{})
	}
	return v
}

// entryOf computes an order's entry under rules (ok false: the value did
// not decode).
func (v *views) entryOf(s order.State, ok bool, rules order.Rules) entry {
	e := entry{slot: -1}
	if !ok {
		e.status = uint8(v.states.id(string(invalidStatus)))
		return e
	}
	e.status = uint8(v.states.id(string(s.Status)))
	for _, d := range rules.Pending(s) {
		e.pending |= 1 << slaIndex(d.SLA)
	}
	if d, ok := rules.NextDeadline(s); ok {
		e.deadline, e.sla, e.due = d.At.UnixNano(), uint8(slaIndex(d.SLA)), true
	}
	m, known := v.tallies[0].MarkOf(s)
	if !known {
		return e
	}
	e.known = true
	for i := range order.SLAs {
		code := uint8(0)
		for c, oc := range outcomeCodes {
			if oc == m.Outcomes[i] {
				code = uint8(c)
			}
		}
		if m.Retracted[i] {
			code |= 1 << 4
		}
		e.outcomes[i] = code
	}
	for i, g := range groupings[1:] {
		e.groups[i] = v.names.id(g.Group(s))
	}
	return e
}

// set replaces the order's entry (nil: the order is gone).
func (v *views) set(id string, next *entry) {
	n, ok := v.index.get(v.entries, id)
	if !ok {
		if next != nil {
			v.add(id, *next)
		}
		return
	}
	old := v.entries[n]
	v.count(old, -1)
	if next == nil {
		v.atRisk.remove(v, old.slot)
		v.index.remove(v.entries, id)
		v.entries[n] = entry{slot: -1}
		v.free = append(v.free, n)
		return
	}
	v.count(*next, 1)
	next.id, next.slot = old.id, old.slot
	v.entries[n] = *next
	v.atRisk.update(v, n)
}

// add enters a new order.
func (v *views) add(id string, e entry) {
	v.count(e, 1)
	e.id, e.slot = strings.Clone(id), -1 // not the watch's whole subject
	var n uint32
	if k := len(v.free); k > 0 {
		n, v.free = v.free[k-1], v.free[:k-1]
		v.entries[n] = e
	} else {
		n = uint32(len(v.entries))
		v.entries = append(v.entries, e)
	}
	v.index.put(v.entries, n)
	v.atRisk.update(v, n)
}

// len returns the number of orders.
func (v *views) len() int { return v.index.n }

// count adds an entry's share of every count n times (1 or -1).
func (v *views) count(e entry, n int) {
	st := order.Stage(v.states.name(uint32(e.status)))
	v.byState[st] += int64(n)
	if v.byState[st] == 0 {
		delete(v.byState, st)
	}
	for i := range order.SLAs {
		if e.pending&(1<<i) != 0 {
			v.timers[i] += int64(n)
		}
	}
	if !e.known {
		return
	}
	m := order.Mark{Group: "all"}
	for i, code := range e.outcomes {
		m.Outcomes[i], m.Retracted[i] = outcomeCodes[code&0xf], code&(1<<4) != 0
	}
	v.tallies[0].AddMark(m, n)
	for i := range groupings[1:] {
		m.Group = v.names.name(e.groups[i])
		v.tallies[i+1].AddMark(m, n)
	}
}

// counts returns the orders by status and the pending checks by SLA.
func (v *views) counts() (map[order.Stage]uint64, map[order.SLA]uint64) {
	byState, timers := map[order.Stage]uint64{}, map[order.SLA]uint64{}
	for st, n := range v.byState {
		byState[st] = uint64(n)
	}
	for i, sla := range order.SLAs {
		timers[sla] = uint64(v.timers[i])
	}
	return byState, timers
}

// attainment returns the tally of one grouping.
func (v *views) attainment(by order.Grouping) order.Attainment {
	for i, g := range groupings {
		if g == by {
			return v.tallies[i].Result()
		}
	}
	return order.Attainment{By: by, Rows: []order.AttainmentRow{}}
}

func slaIndex(s order.SLA) int {
	for i, x := range order.SLAs {
		if x == s {
			return i
		}
	}
	return 0
}

// names interns the few distinct strings entries refer to (statuses,
// tenants, rules, service levels): an entry keeps 4 bytes per name. The
// table only grows, with the number of distinct names.
type names struct {
	ids  map[string]uint32
	list []string
}

func (n *names) id(s string) uint32 {
	if id, ok := n.ids[s]; ok {
		return id
	}
	if n.ids == nil {
		n.ids = map[string]uint32{}
	}
	id := uint32(len(n.list))
	n.ids[s] = id
	n.list = append(n.list, s)
	return id
}

func (n *names) name(id uint32) string { return n.list[id] }
