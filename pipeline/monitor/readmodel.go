package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// ReadModel keeps the views of the ORDERS bucket (orders by status,
// pending SLA checks, attainment, the at-risk list) up to date from the
// bucket's change stream: one KV watch reads every stored order once, then
// applies each change as it is committed, so a view is as old as the last
// commit it has seen, whatever the size of the bucket. Every instance
// follows the same bucket and so serves the same answers. The dashboard,
// the API, /metrics and status all read the views through it.
type ReadModel struct {
	js    jetstream.JetStream
	rules func() order.Rules
	log   *slog.Logger
	now   func() time.Time

	applied func(id string) // told of each change applied after the first read (tests)

	mu      sync.Mutex
	cur     *views    // nil until the first read ended
	current time.Time // zero while following; else when it stopped
	details detailCache
}

// NewReadModel returns a read model of the ORDERS bucket of js whose
// deadlines are computed under rules (called per change, so a reload is
// seen by the changes after it).
func NewReadModel(js jetstream.JetStream, rules func() order.Rules, log *slog.Logger) *ReadModel {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ReadModel{js: js, rules: rules, log: log, now: time.Now, details: detailCache{m: map[string]detail{}}}
}

// Run follows the bucket until ctx is done. When the watch cannot start
// or ends (the bucket is missing, the connection to NATS is lost), it
// starts again a second later from a new read of the bucket; the views of
// the last read are served meanwhile, with the time they were last current
// (scanned_at, orders_scan_age_seconds).
func (m *ReadModel) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := m.follow(ctx)
		m.stale()
		if err != nil && ctx.Err() == nil {
			m.log.Debug("monitor: following the ORDERS bucket failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// stale marks the views no longer current, from now if they were.
func (m *ReadModel) stale() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current.IsZero() { // a failed retry changes nothing
		m.current = m.now()
	}
}

// follow reads the bucket into new views, installs them when the initial
// values end and applies changes to them until ctx is done or the watch
// fails.
func (m *ReadModel) follow(ctx context.Context) error {
	return watchOrders(ctx, m.js, func(v *views) {
		m.mu.Lock()
		m.cur, m.current = v, time.Time{}
		m.details.clear()
		m.mu.Unlock()
	}, m.apply, m.stale)
}

// apply brings v up to date with one change (value nil: the order was
// deleted, purged or expired).
func (m *ReadModel) apply(v *views, live bool, id string, value []byte) {
	if !live { // the initial read: v is not shared yet
		applyChange(v, m.rules(), id, value)
		return
	}
	s, ok, deleted := decodeChange(value)
	rules := m.rules()
	m.mu.Lock()
	defer m.mu.Unlock()
	setOrder(v, rules, id, s, ok, deleted)
	m.details.forget(id)
	if m.applied != nil {
		m.applied(id)
	}
}

// watchOrders reads every stored order into new views, calls ready with
// them at the end of the initial values (ready nil: return then), and
// passes each later change to change until ctx is done. When the
// connection is lost it calls lost at once (stopping the watch waits for
// NATS), then returns.
func watchOrders(ctx context.Context, js jetstream.JetStream, ready func(*views), change func(v *views, live bool, id string, value []byte), lost func()) error {
	kvs, err := js.KeyValue(ctx, contract.OrdersBucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", contract.OrdersBucket, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := kvs.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch bucket %s: %w", contract.OrdersBucket, err)
	}
	defer func() { _ = w.Stop() }()
	conn := time.NewTicker(connCheckEvery)
	defer conn.Stop()
	v, live := newViews(), false
	for {
		select {
		case <-conn.C:
			if nc := js.Conn(); nc != nil && !nc.IsConnected() {
				if lost != nil {
					lost()
				}
				return fmt.Errorf("watch bucket %s: %w", contract.OrdersBucket, errDisconnected)
			}
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return fmt.Errorf("watch bucket %s: %w", contract.OrdersBucket, errWatchEnded)
			case e == nil:
				if ready == nil {
					return nil
				}
				live = true
				ready(v)
			case e.Operation() == jetstream.KeyValuePut:
				change(v, live, e.Key(), e.Value())
			default:
				change(v, live, e.Key(), nil)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var (
	errWatchEnded   = errors.New("the watch ended")
	errDisconnected = errors.New("the connection to NATS was lost")
)

// connCheckEvery is how often a watch looks at its connection. A watch
// outlives a reconnection without a word, and misses what was committed
// meanwhile until its consumer notices; so a lost connection ends it: the
// views are served as they were, no longer current, until a new read.
const connCheckEvery = 200 * time.Millisecond

func decodeChange(value []byte) (s order.State, ok, deleted bool) {
	if value == nil {
		return order.State{}, false, true
	}
	s, err := contract.DecodeState(value)
	return s, err == nil, false
}

func applyChange(v *views, rules order.Rules, id string, value []byte) {
	s, ok, deleted := decodeChange(value)
	setOrder(v, rules, id, s, ok, deleted)
}

func setOrder(v *views, rules order.Rules, id string, s order.State, ok, deleted bool) {
	if deleted {
		v.set(id, nil)
		return
	}
	e := v.entryOf(s, ok, rules)
	v.set(id, &e)
}

// LoadViews reads the bucket once (the one-shot of status) and returns
// the orders by status and the pending checks by SLA, computed as the
// read model computes them.
func LoadViews(ctx context.Context, js jetstream.JetStream, rules order.Rules) (map[order.Stage]uint64, map[order.SLA]uint64, error) {
	var out *views
	err := watchOrders(ctx, js, nil, func(v *views, _ bool, id string, value []byte) {
		applyChange(v, rules, id, value)
		out = v
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = newViews()
	}
	byState, timers := out.counts()
	return byState, timers, nil
}

// Ready reports whether the first read of the bucket has ended.
func (m *ReadModel) Ready() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur != nil
}

// Counts returns the orders by status and the orders with a pending check
// by SLA (nil, nil before the first read ended).
func (m *ReadModel) Counts(context.Context) (map[order.Stage]uint64, map[order.SLA]uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return nil, nil
	}
	return m.cur.counts()
}

// showCounts puts the current orders by status and pending checks into st,
// a status sampled earlier: those views follow every commit, whatever the
// age of the sample (a sample cut by an outage is retried, not waited for).
// Without views yet it leaves st as it is.
func (m *ReadModel) showCounts(st *Status) {
	byStatus, timers := m.Counts(context.Background())
	if byStatus == nil {
		return
	}
	st.Orders = map[string]uint64{}
	for stage, n := range byStatus {
		st.Orders[string(stage)] = n
	}
	st.Timers = bySLA(timers)
}

// Attainment returns the attainment of the stored orders grouped by by,
// and when the views were current (false before the first read ended).
func (m *ReadModel) Attainment(by order.Grouping) (AttainmentView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return AttainmentView{}, false
	}
	return AttainmentView{Attainment: m.cur.attainment(by), ScannedAt: m.currentAt()}, true
}

// currentAt is when the views were current: now while following.
func (m *ReadModel) currentAt() time.Time {
	if m.current.IsZero() {
		return m.now()
	}
	return m.current
}

// Age is how long ago the views were last known current (0 while
// following the bucket), and false before the first read ended.
func (m *ReadModel) Age() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return 0, false
	}
	if m.current.IsZero() {
		return 0, true
	}
	return m.now().Sub(m.current), true
}

// AtRisk returns up to limit open orders nearest to their next deadline,
// earliest first, with the time left at now (false before the first read
// ended). Customer, item and tenant are read back from the bucket for the
// orders listed and kept until they change.
func (m *ReadModel) AtRisk(ctx context.Context, now time.Time, limit int) (AtRisk, bool) {
	m.mu.Lock()
	if m.cur == nil {
		m.mu.Unlock()
		return AtRisk{}, false
	}
	out := AtRisk{At: now, ScannedAt: m.currentAt(), Orders: []AtRiskOrder{}}
	v := m.cur
	for _, slot := range v.atRisk.first(v, limit) {
		e := v.entries[v.atRisk[slot]]
		id := e.id
		at := time.Unix(0, e.deadline).UTC()
		o := AtRiskOrder{OrderID: id, Status: order.Stage(v.states.name(uint32(e.status))), SLA: order.SLAs[e.sla],
			Deadline: at, LeftSeconds: at.Sub(now).Seconds()}
		if d, ok := m.details.m[id]; ok {
			o.TenantID, o.CustomerID, o.ItemName = d.tenant, d.customer, d.item
		}
		out.Orders = append(out.Orders, o)
	}
	m.mu.Unlock()
	m.fillDetails(ctx, out.Orders)
	return out, true
}

// fillDetails reads the tenant, customer and item of the listed orders
// that have none cached from the bucket.
func (m *ReadModel) fillDetails(ctx context.Context, orders []AtRiskOrder) {
	var kvs jetstream.KeyValue
	for i := range orders {
		o := &orders[i]
		if o.TenantID != "" || o.CustomerID != "" || o.ItemName != "" {
			continue
		}
		if kvs == nil {
			var err error
			if kvs, err = m.js.KeyValue(ctx, contract.OrdersBucket); err != nil {
				return
			}
		}
		e, err := kvs.Get(ctx, o.OrderID)
		if err != nil {
			continue
		}
		s, err := contract.DecodeState(e.Value())
		if err != nil {
			continue
		}
		d := detail{tenant: s.TenantID, customer: s.CustomerID, item: s.ItemName}
		o.TenantID, o.CustomerID, o.ItemName = d.tenant, d.customer, d.item
		m.mu.Lock()
		m.details.put(o.OrderID, d)
		m.mu.Unlock()
	}
}

// detailCache keeps what /api/at-risk shows of the orders it listed, at
// most detailKeep of them; a change of an order forgets it.
type detailCache struct{ m map[string]detail }

type detail struct{ tenant, customer, item string }

// detailKeep bounds detailCache: the longest list twice over.
const detailKeep = 2 * AtRiskKeep

func (c *detailCache) put(id string, d detail) {
	if len(c.m) >= detailKeep {
		c.clear()
	}
	c.m[id] = d
}

func (c *detailCache) forget(id string) { delete(c.m, id) }
func (c *detailCache) clear()           { c.m = map[string]detail{} }
