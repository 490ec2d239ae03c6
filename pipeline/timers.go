package pipeline

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// The SLA timers of the engine. A batch lists the instants its orders
// must be checked at (newTimers, from order.Rules.Pending) and sets them as
// slot schedules on ORDER_SLA (SlotMessages: one message schedule per time
// slot, listing the orders due in it); a fired slot comes back to the same
// partition worker (firedSlot), which checks every order it lists. The
// recomputer of sla.recompute: open lives in timers_recompute.go.

// SlotWidth is the width of a time slot. The instants at which the orders of
// a batch must be checked are grouped by slot; each group becomes one
// message schedule that fires at the group's latest instant, so no check
// runs before its instant and none more than SlotWidth after it (plus the
// server's scheduler tick, up to 250 ms).
const SlotWidth = 100 * time.Millisecond

// slotMaxOrders bounds the orders listed in one schedule (a few KiB of ids).
const slotMaxOrders = 1000

// Due is an instant at which an order must be checked.
type Due struct {
	OrderID string
	At      time.Time
}

// slotOf returns the slot of an instant: its start in Unix milliseconds.
func slotOf(at time.Time) int64 {
	w := SlotWidth.Milliseconds()
	ms := at.UnixMilli()
	if ms < 0 && ms%w != 0 {
		ms -= w // floor, not truncation towards zero
	}
	return ms - ms%w
}

// slotList is the orders of one batch due in one slot.
type slotList struct {
	slot   int64
	fireAt time.Time // the latest instant listed: nothing fires early
	orders []string
	seen   map[string]bool
}

// slotSet collects the due checks of one partition by slot. An order is
// listed once per slot however many of its instants fall in it: the check
// evaluates everything due.
type slotSet struct {
	lists map[int64]*slotList
}

func (s *slotSet) add(orderID string, at time.Time) {
	k := slotOf(at)
	if s.lists == nil {
		s.lists = map[int64]*slotList{}
	}
	l, ok := s.lists[k]
	if !ok {
		l = &slotList{slot: k, fireAt: at, seen: map[string]bool{}}
		s.lists[k] = l
	}
	if at.After(l.fireAt) {
		l.fireAt = at
	}
	if !l.seen[orderID] {
		l.seen[orderID] = true
		l.orders = append(l.orders, orderID)
	}
}

func (s *slotSet) empty() bool { return len(s.lists) == 0 }

// messages returns the schedules of the set, in slot order, each listing
// at most slotMaxOrders orders.
func (s *slotSet) messages(topo contract.Topology, part int) []*nats.Msg {
	keys := make([]int64, 0, len(s.lists))
	for k := range s.lists {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var out []*nats.Msg
	for _, k := range keys {
		l := s.lists[k]
		for i := 0; i < len(l.orders); i += slotMaxOrders {
			out = append(out, slotMsg(topo, part, l.slot, l.fireAt, l.orders[i:min(i+slotMaxOrders, len(l.orders))], false))
		}
	}
	return out
}

// SlotMessages returns the message schedules that check each order of
// partition part at (or just after) its instant: one per slot, listing the
// orders due in it. This is how a batch sets its orders' timers, and how a
// recompute of many orders re-sets theirs at once (a few messages per slot,
// not one per order).
func SlotMessages(topo contract.Topology, part int, due []Due) []*nats.Msg {
	var s slotSet
	for _, d := range due {
		s.add(d.OrderID, d.At)
	}
	return s.messages(topo, part)
}

// RecomputeMessages returns the schedules that recompute orders of
// partition part at once (sla.recompute: open): slots firing at at, each
// listing up to slotMaxOrders orders, whose check first chooses each
// order's rule again.
func RecomputeMessages(topo contract.Topology, part int, orders []string, at time.Time) []*nats.Msg {
	var out []*nats.Msg
	for i := 0; i < len(orders); i += slotMaxOrders {
		out = append(out, slotMsg(topo, part, slotOf(at), at, orders[i:min(i+slotMaxOrders, len(orders))], true))
	}
	return out
}

// slotBody is what a slot schedule carries, and so what its fired message
// delivers: when it fires, the orders to check and whether the check is a
// recompute.
type slotBody struct {
	At        time.Time `json:"at"`
	Orders    []string  `json:"orders"`
	Recompute bool      `json:"recompute,omitempty"`
}

// slotMsg is one schedule: it fires at fireAt (written with nanoseconds:
// WithScheduleAt drops them and fires up to a second early, NATS-NOTES) on
// the partition's fired subject. Its subject is unique (a nuid), so writing
// it never replaces another batch's schedule.
func slotMsg(topo contract.Topology, part int, slot int64, fireAt time.Time, orders []string, recompute bool) *nats.Msg {
	at := fireAt.UTC().Format(time.RFC3339Nano)
	m := nats.NewMsg(topo.SlotSchedule(part, slot, nuid.Next()))
	b := make([]byte, 0, 48+len(orders)*24)
	b = append(b, `{"at":"`...)
	b = append(b, at...)
	b = append(b, `","orders":[`...)
	for i, id := range orders {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
	}
	b = append(b, ']')
	if recompute {
		b = append(b, `,"recompute":true`...)
	}
	m.Data = append(b, '}')
	m.Header.Set(jetstream.ScheduleHeader, "@at "+at)
	m.Header.Set(jetstream.ScheduleTargetHeader, topo.SlotFired(part, slot))
	return m
}

// legacyFired is the body of a fired check of the design before slots (one
// schedule per order and SLA), still accepted so that an upgrade loses no
// pending timer.
type legacyFired struct {
	OrderID  string    `json:"order_id"`
	Deadline time.Time `json:"deadline"`
}

// parseSlot reads a fired slot: the orders to check and the latest instant
// it was set for.
func parseSlot(data []byte) (slotBody, error) {
	var b struct {
		slotBody
		legacyFired
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return slotBody{}, fmt.Errorf("fired SLA check does not decode: %w", err)
	}
	if b.OrderID != "" && len(b.Orders) == 0 {
		return slotBody{At: b.Deadline, Orders: []string{b.OrderID}}, nil
	}
	if len(b.Orders) == 0 {
		return slotBody{}, fmt.Errorf("fired SLA check lists no orders")
	}
	return b.slotBody, nil
}

// appendJSONString appends s quoted as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// slotCheck is a fired slot: one message listing orders to check. It is
// acked once every listed order's check is committed and emitted, and
// redelivered whole otherwise (orders already checked then emit nothing).
type slotCheck struct {
	in     input
	groups []*orderWork
	acked  bool
}

// firedSlot reads a fired slot: every order it lists is checked, in the
// orderWork that work returns for it.
func firedSlot(in input, work func(id string) *orderWork) (slotCheck, error) {
	body, err := parseSlot(in.msg.Data())
	if err != nil {
		return slotCheck{}, err
	}
	sc := slotCheck{in: in, groups: make([]*orderWork, 0, len(body.Orders))}
	for _, id := range body.Orders {
		g := work(id)
		g.checks++
		g.recompute = g.recompute || body.Recompute
		if body.At.After(g.checkAt) {
			g.checkAt = body.At
		}
		sc.groups = append(sc.groups, g)
	}
	return sc, nil
}

// failed returns the error of the first order of the slot that failed, nil
// if all succeeded: a fired slot is acked only once every order it lists
// is committed, and handed back whole otherwise.
func (sc *slotCheck) failed() error {
	var err error
	for _, g := range sc.groups {
		err = cmp.Or(err, g.err)
	}
	return err
}

// newTimers returns the check instants of the order's new state that have
// no timer yet. Timers are never cancelled: an instant that is met, moved
// or closed meanwhile fires and its check emits nothing. What has a timer
// is known only for an order cached under the same rules: one read from
// KV (after a restart, a takeover, an eviction or a crash between commit
// and publish), cached under other rules (a reload) or recomputed has all
// its instants listed again; a check of an instant listed twice finds nothing the
// second time. A fired slot consumed the instants up to the time it was
// set for; after its check, an instant at or before now still pending
// would be one Check did not act on, so it gets no new timer (no loop),
// while one between now and the slot's time (a server clock ahead of
// ours) does.
func newTimers(rules order.Rules, rulesGen uint64, now time.Time, g *orderWork) []order.Deadline {
	var prev []order.Deadline
	if g.base.timersGen == rulesGen && !g.recompute {
		prev = rules.Pending(g.base.state)
	}
	next := rules.Pending(g.after)
	if g.checks > 0 {
		prev = order.After(prev, g.checkAt)
		next = order.After(next, now)
	}
	return order.Added(prev, next)
}
