package monitor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// ErrOrderNotFound is wrapped by Story's error for an order the ORDERS
// bucket does not hold.
var ErrOrderNotFound = errors.New("order not found")

// OrderStory is one order's story: its state, where each SLA stands and,
// on request, every output it produced. It is the JSON of get --json and
// of /api/orders/<id>.
type OrderStory struct {
	Order    order.State `json:"order"`
	Revision uint64      `json:"revision"`
	// Rule is the SLA rule in force for the order (sla_rule, "default"
	// until chosen).
	Rule      string                   `json:"rule"`
	Deadlines map[order.SLA]*SLAStatus `json:"slas"`
	History   []order.Update           `json:"history,omitempty"`
	// At is when the story was read: what "pending" and "overdue" are
	// measured against.
	At time.Time `json:"at"`
}

// SLAStatus is where one SLA of an order stands.
type SLAStatus struct {
	Deadline *time.Time `json:"deadline,omitempty"`
	// State is met, breached, retracted (a breach withdrawn: met in time
	// after all), pending, overdue, not_started or cancelled.
	State string `json:"state"`
	// Calendar and Zone name the calendar the SLA's time is counted in and
	// its IANA time zone, when the order's terms have one, so that readers
	// can show the deadline in the calendar's local time.
	Calendar string `json:"calendar,omitempty"`
	Zone     string `json:"zone,omitempty"`
	// Warnings are the SLA's warn_at thresholds, sent or pending.
	Warnings []order.WarningTime `json:"warnings,omitempty"`
	// Predicted is the SLA's predicted-risk check (SPEC 17), if planned:
	// when, and whether its warning was sent or missed.
	Predicted *order.Prediction `json:"predicted,omitempty"`
}

// Stories reads order stories. Deadlines are the ones the order's state
// stored; Rules are the reader's SLA terms, which name the order's calendar
// and warn_at (and a deadline for a state stored before deadlines were
// kept); Retention is retention.completed_orders, named in the not-found
// error.
type Stories struct {
	JS        jetstream.JetStream
	Topology  contract.Topology
	Rules     order.Rules
	Retention time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Story reads one order's state and, with history, its outputs from
// ORDER_UPDATES in the order they were stored.
func (r Stories) Story(ctx context.Context, id string, history bool) (OrderStory, error) {
	orders, err := kv.Lookup(ctx, r.JS, contract.OrdersBucket)
	if err != nil {
		return OrderStory{}, fmt.Errorf("%w (has the pipeline run? start it with 'ordertrack run')", err)
	}
	e, err := orders.Read(ctx, id)
	if errors.Is(err, kv.ErrNotFound) {
		return OrderStory{}, fmt.Errorf("%w: order %s not found in bucket %s: no event of it was processed, or it finished more than retention.completed_orders (%s) ago",
			ErrOrderNotFound, id, contract.OrdersBucket, order.HumanDuration(r.Retention))
	}
	if err != nil {
		return OrderStory{}, fmt.Errorf("get order %s: %w", id, err)
	}
	s, err := contract.DecodeState(e.Value)
	if err != nil {
		return OrderStory{}, fmt.Errorf("order %s: stored value does not decode: %w", id, err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	v := OrderStory{Order: s, Revision: e.Revision, At: now()}
	v.Deadlines = SLAStatuses(s, r.Rules, v.At)
	v.Rule = r.Rules.Terms(s).Rule
	if history {
		if v.History, err = r.History(ctx, id); err != nil {
			return v, err
		}
	}
	return v, nil
}

// SLAStatuses returns where each SLA of an order stands at now, with its
// stored deadline (order.Rules.Deadline).
func SLAStatuses(s order.State, r order.Rules, now time.Time) map[order.SLA]*SLAStatus {
	out := map[order.SLA]*SLAStatus{}
	cal := r.Terms(s).Calendar
	for _, sla := range order.SLAs {
		v := &SLAStatus{Warnings: r.WarningTimes(s, sla)}
		if cal != nil {
			v.Calendar, v.Zone = cal.Name(), cal.Location().String()
		}
		if at, ok := r.Deadline(s, sla); ok {
			v.Deadline = &at
		}
		if p, ok := s.PredictionOf(sla); ok {
			v.Predicted = &p
		}
		switch {
		case s.Breached(sla):
			v.State = "breached"
		case s.RetractedSLA(sla):
			v.State = "retracted"
		case s.Met(sla):
			v.State = "met"
		case s.Status == order.StageCancelled:
			v.State = "cancelled"
		case v.Deadline == nil:
			v.State = "not_started"
		case now.Before(*v.Deadline):
			v.State = "pending"
		default:
			v.State = "overdue"
		}
		out[sla] = v
	}
	return out
}

// historyMax bounds the outputs one History reads: an order's lifecycle,
// its breaches, retractions and warnings are a few dozen at most.
const historyMax = 1000

// History reads the order's updates, alerts and warnings from
// ORDER_UPDATES in stream order, up to the last one stored when it starts
// and at most historyMax of them. It reads message by message with the
// stream's get-next-by-subject (one request per output, plus one per
// subject to find the end): a read creates no consumer, so nothing of it
// outlives it on the server, whatever the outcome.
func (r Stories) History(ctx context.Context, id string) ([]order.Update, error) {
	s, err := r.JS.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: stream %s: %w", id, contract.UpdatesStream, err)
	}
	info := s.CachedInfo()
	filters := storedFilters(info.Config.Subjects, r.Topology.UpdateSubject(id), r.Topology.OrderAlerts(id), r.Topology.OrderWarnings(id))
	var msgs []*jetstream.RawStreamMsg
	for _, f := range filters {
		for seq := max(info.State.FirstSeq, 1); seq <= info.State.LastSeq && len(msgs) < historyMax; {
			m, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(f))
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read history of %s: %w", id, err)
			}
			if m.Sequence > info.State.LastSeq {
				break
			}
			msgs = append(msgs, m)
			seq = m.Sequence + 1
		}
	}
	slices.SortFunc(msgs, func(a, b *jetstream.RawStreamMsg) int { return cmp.Compare(a.Sequence, b.Sequence) })
	out := make([]order.Update, 0, len(msgs))
	for _, m := range msgs {
		var u order.Update
		if err := json.Unmarshal(m.Data, &u); err != nil {
			return nil, fmt.Errorf("history of %s: message on %s does not decode: %w", id, m.Subject, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// outputFilters keeps the filters that ORDER_UPDATES stores: the warnings
// subjects exist only once the stream was provisioned with them, and a
// consumer filter outside the stream's subjects is refused.
func outputFilters(ctx context.Context, js jetstream.JetStream, topo contract.Topology, filters ...string) ([]string, error) {
	s, err := js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", contract.UpdatesStream, err)
	}
	return storedFilters(s.CachedInfo().Config.Subjects, filters...), nil
}

// storedFilters keeps the filters within a stream's subjects.
func storedFilters(stored []string, filters ...string) []string {
	return slices.DeleteFunc(filters, func(f string) bool {
		return !slices.ContainsFunc(stored, func(sub string) bool { return subjectWithin(f, sub) })
	})
}

// subjectWithin reports whether every subject f matches is matched by
// wildcard w (both dotted NATS subjects with * and >).
func subjectWithin(f, w string) bool {
	ft, wt := strings.Split(f, "."), strings.Split(w, ".")
	for i, t := range wt {
		if t == ">" {
			return len(ft) > i
		}
		if i >= len(ft) || (t != "*" && t != ft[i]) || (t == "*" && ft[i] == ">") {
			return false
		}
	}
	return len(ft) == len(wt)
}
