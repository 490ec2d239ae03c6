package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline"
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
}

// Stories reads order stories. Rules are the SLAs in force (deadlines are
// computed with them); Retention is retention.completed_orders, named in
// the not-found error.
type Stories struct {
	JS        jetstream.JetStream
	Topology  pipeline.Topology
	Rules     order.Rules
	Retention time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Story reads one order's state and, with history, its outputs from
// ORDER_UPDATES in the order they were stored.
func (r Stories) Story(ctx context.Context, id string, history bool) (OrderStory, error) {
	orders, err := kv.Lookup(ctx, r.JS, pipeline.OrdersBucket)
	if err != nil {
		return OrderStory{}, fmt.Errorf("%w (has the pipeline run? start it with 'ordertrack run')", err)
	}
	e, err := orders.Read(ctx, id)
	if errors.Is(err, kv.ErrNotFound) {
		return OrderStory{}, fmt.Errorf("%w: order %s not found in bucket %s: no event of it was processed, or it finished more than retention.completed_orders (%s) ago",
			ErrOrderNotFound, id, pipeline.OrdersBucket, order.HumanDuration(r.Retention))
	}
	if err != nil {
		return OrderStory{}, fmt.Errorf("get order %s: %w", id, err)
	}
	s, err := pipeline.DecodeState(e.Value)
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

// SLAStatuses returns where each SLA of an order stands at now.
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

// History reads the order's updates, alerts and warnings from
// ORDER_UPDATES in stream order, up to the last one stored when it starts.
func (r Stories) History(ctx context.Context, id string) ([]order.Update, error) {
	filters, err := outputFilters(ctx, r.JS, r.Topology, r.Topology.UpdateSubject(id), r.Topology.OrderAlerts(id), r.Topology.OrderWarnings(id))
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	c, err := r.JS.OrderedConsumer(ctx, pipeline.UpdatesStream, jetstream.OrderedConsumerConfig{FilterSubjects: filters})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	out := []order.Update{}
	for want := int(info.NumPending); len(out) < want; {
		batch, err := c.Fetch(min(want-len(out), 500), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", id, err)
		}
		n := len(out)
		for msg := range batch.Messages() {
			var u order.Update
			if err := json.Unmarshal(msg.Data(), &u); err != nil {
				return nil, fmt.Errorf("history of %s: message on %s does not decode: %w", id, msg.Subject(), err)
			}
			out = append(out, u)
		}
		if err := batch.Error(); err != nil || len(out) == n {
			return out, batch.Error() // nothing more arrived: expired by retention meanwhile
		}
	}
	return out, nil
}

// outputFilters keeps the filters that ORDER_UPDATES stores: the warnings
// subjects exist only once the stream was provisioned with them, and a
// consumer filter outside the stream's subjects is refused.
func outputFilters(ctx context.Context, js jetstream.JetStream, topo pipeline.Topology, filters ...string) ([]string, error) {
	s, err := js.Stream(ctx, pipeline.UpdatesStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", pipeline.UpdatesStream, err)
	}
	stored := s.CachedInfo().Config.Subjects
	return slices.DeleteFunc(filters, func(f string) bool {
		return !slices.ContainsFunc(stored, func(sub string) bool { return subjectWithin(f, sub) })
	}), nil
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
