package monitor

import (
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// views are the dashboard's views of the ORDERS bucket, kept up to date
// one change at a time: orders by status, pending SLA checks by SLA,
// attainment under every grouping and the open orders by next deadline.
// Each order costs one entry (entrySize bytes, plus its id and the map's
// and heap's share: about 110 bytes at a million orders, measured by
// TestReadModelAtScale); what is shown of it beyond that (customer, item) is
// read back from the bucket for the few orders listed. Not safe for
// concurrent use: ReadModel locks around it.
type views struct {
	orders  map[string]entry
	byState map[order.Stage]int64
	timers  [3]int64 // orders with a pending check, per SLA in the order of order.SLAs
	tallies [len(groupings)]*order.Tally
	atRisk  deadlineHeap
	names   names
}

// groupings are the tallies views keep: order.Groupings, BySLA first.
var groupings = [...]order.Grouping{order.BySLA, order.ByTenant, order.ByRule, order.ByServiceLevel}

// entry is what views keep of one order: enough to take its share of every
// count back out when it changes, and its place in the at-risk heap.
type entry struct {
	deadline int64     // the next pending deadline, Unix ns (when slot >= 0)
	slot     int32     // index in views.atRisk; -1: no pending deadline
	groups   [3]uint32 // names of its tenant, rule and service level groups
	status   uint32    // name of its status
	outcomes [3]uint8  // outcome per SLA (outcomeCodes), retracted<<4
	pending  uint8     // bit i: SLA i has a pending check
	sla      uint8     // the SLA of deadline
	known    bool      // counted in the tallies
}

// entrySize is the size of entry in bytes.
const entrySize = 40

// outcomeCodes are the outcomes an entry stores, by code.
var outcomeCodes = [...]order.Outcome{order.OutcomePending, order.OutcomeMet, order.OutcomeBreached, order.OutcomeCancelled}

// invalidStatus is the status an undecodable value is counted under.
const invalidStatus order.Stage = "invalid"

func newViews() *views {
	v := &views{orders: map[string]entry{}, byState: map[order.Stage]int64{}}
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
		e.status = v.names.id(string(invalidStatus))
		return e
	}
	e.status = v.names.id(string(s.Status))
	for _, d := range rules.Pending(s) {
		e.pending |= 1 << slaIndex(d.SLA)
	}
	if d, ok := rules.NextDeadline(s); ok {
		e.deadline, e.sla, e.slot = d.At.UnixNano(), uint8(slaIndex(d.SLA)), 0
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
	if old, ok := v.orders[id]; ok {
		v.count(old, -1)
		if next == nil {
			v.atRisk.remove(v, old.slot)
			delete(v.orders, id)
			return
		}
		v.count(*next, 1)
		v.atRisk.update(v, id, old.slot, next)
		return
	}
	if next == nil {
		return
	}
	v.count(*next, 1)
	v.atRisk.update(v, id, -1, next)
}

// count adds an entry's share of every count n times (1 or -1).
func (v *views) count(e entry, n int) {
	st := order.Stage(v.names.name(e.status))
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
