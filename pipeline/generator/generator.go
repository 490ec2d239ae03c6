package generator

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Scenario names.
const (
	// Realistic is demo data with every kind of outcome and anomaly.
	Realistic = "realistic"
	// Sample is the original's rate source: clean orders with short fixed gaps.
	Sample = "sample"
)

// Emission kinds: why an emission exists.
const (
	// KindNormal is an event published at its own event time.
	KindNormal = "normal"
	// KindDuplicate repeats an earlier emission's event, event_id included.
	KindDuplicate = "duplicate"
	// KindOutOfOrder is a stage published after the stage that follows it.
	KindOutOfOrder = "out_of_order"
	// KindLate is published a few seconds after its event time.
	KindLate = "late"
	// KindDelayedProof is a stage in time whose event is published after
	// its SLA's deadline (and sla.grace): the breach goes out first and
	// the event retracts it.
	KindDelayedProof = "delayed_proof"
	// KindConflict is an impossible event the pipeline must reject: a
	// cancellation after delivery, or a stage after a cancellation.
	KindConflict = "conflict"
)

// DefaultRate is the target events per second when Config.Rate is 0.
const DefaultRate = 20

// DefaultIDPrefix is the order id prefix when Config.IDPrefix is empty.
const DefaultIDPrefix = "ORD-"

// DefaultStart is the virtual time of the first event when Config.Start is zero.
var DefaultStart = time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)

// ErrInvalidConfig is wrapped by every error Config.Validate returns.
var ErrInvalidConfig = errors.New("invalid generator config")

// idPrefixPattern is what an order id prefix may contain (SPEC section 3).
var idPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// Config says what to generate. The zero value is valid: realistic orders at
// 20 events/s, unlimited, with the default SLAs, from DefaultStart.
type Config struct {
	Scenario string      // Realistic or Sample; default Realistic
	Seed     int64       // same seed + same config => same sequence of events; default 0
	Orders   int         // number of orders to generate; 0 = unlimited (default)
	Rules    order.Rules // SLA durations the realistic stage delays are drawn against; zero fields default as order.DefaultRules
	Start    time.Time   // virtual time of the first event; default DefaultStart
	IDPrefix string      // order id prefix; default "ORD-"
	Rate     float64     // target events per second in steady state; default 20
	// Until, if set, places the run in the past (a backfill): Start becomes
	// the time from which Orders orders have all happened by Until, and
	// Next ends at the first emission after Until (with Orders 0, orders
	// start unlimitedBackfill before Until). Every event time is then <=
	// Until, whatever the SLAs; default zero (Start as given).
	Until time.Time
}

// unlimitedBackfill is how long before Until (and the longest order) an
// unlimited backfill starts its orders.
const unlimitedBackfill = time.Hour

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := order.DefaultRules()
	if c.Scenario == "" {
		c.Scenario = Realistic
	}
	if c.Rules.Processing == 0 {
		c.Rules.Processing = def.Processing
	}
	if c.Rules.Shipping == 0 {
		c.Rules.Shipping = def.Shipping
	}
	if c.Rules.Delivery == 0 {
		c.Rules.Delivery = def.Delivery
	}
	if c.Rules.Clock == "" {
		c.Rules.Clock = def.Clock
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.IDPrefix == "" {
		c.IDPrefix = DefaultIDPrefix
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	return c
}

// Validate reports the first bad field of c, after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Scenario != Realistic && c.Scenario != Sample:
		return fmt.Errorf("%w: scenario %q: want %q or %q", ErrInvalidConfig, c.Scenario, Realistic, Sample)
	case c.Orders < 0:
		return fmt.Errorf("%w: orders %d: want 0 (unlimited) or more", ErrInvalidConfig, c.Orders)
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("%w: rate %v: want a positive number of events per second", ErrInvalidConfig, c.Rate)
	case c.Rules.Processing < 0 || c.Rules.Shipping < 0 || c.Rules.Delivery < 0:
		return fmt.Errorf("%w: rules %v/%v/%v: SLA durations must be positive", ErrInvalidConfig,
			c.Rules.Processing, c.Rules.Shipping, c.Rules.Delivery)
	case !idPrefixPattern.MatchString(c.IDPrefix):
		return fmt.Errorf("%w: id prefix %q: want 1-100 letters, digits, '-' or '_'", ErrInvalidConfig, c.IDPrefix)
	}
	return nil
}

// Emission is one event to publish.
type Emission struct {
	At        time.Time   // when to publish it (virtual time; Start + offset)
	Event     order.Event // the event; Event.Timestamp is its event time
	Duplicate bool        // true for a deliberate duplicate (same event_id as an earlier emission): the caller must NOT set Nats-Msg-Id on it, so the pipeline sees it
	Kind      string      // why this emission exists: KindNormal, KindDuplicate, KindOutOfOrder, KindLate, KindConflict or KindDelayedProof
}

// scenario plans the events of one order.
type scenario interface {
	// plan returns the order's events as offsets from its start, the first
	// at 0, under the SLA durations of the order's terms (rules) and the
	// pace of its segment.
	plan(r *rand.Rand, rules order.Rules, pace pace) []step
	// eventsPerOrder is the expected number of events of one order.
	eventsPerOrder() float64
	// anomalies reports whether duplicates, late and out-of-order emissions are added.
	anomalies() bool
	// maxSpan bounds the At of an order's last emission, from its start.
	maxSpan(rules order.Rules) time.Duration
}

// step is one planned event of an order.
type step struct {
	typ  order.EventType
	at   time.Duration // event time, from the order's start
	kind string        // KindNormal, KindConflict or KindDelayedProof
	// delay publishes the event that long after its event time (a proof
	// that arrives after its SLA was breached: a retraction).
	delay time.Duration
}

// Generator produces the emissions of a scenario in publish order. It is not
// safe for concurrent use.
type Generator struct {
	cfg      Config
	scenario scenario
	rng      *rand.Rand
	interval float64 // virtual nanoseconds between order starts

	started int    // orders started so far
	events  uint64 // event ids issued so far
	idKey   uint64 // mixes event ids per seed
	pending emissionHeap
	pushed  uint64 // emissions pushed so far, to break ties in At

	reachedUntil bool // a backfill ended at Until
}

// New validates cfg and returns a generator at the start of its sequence.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Start = cfg.Start.Round(0).UTC()
	var sc scenario = realistic{}
	if cfg.Scenario == Sample {
		sc = sample{}
	}
	seed := uint64(cfg.Seed)
	g := &Generator{
		cfg:      cfg,
		scenario: sc,
		rng:      rand.New(rand.NewPCG(seed, 0x6f72646572747261)),
		interval: sc.eventsPerOrder() / cfg.Rate * float64(time.Second),
		idKey:    mix(seed ^ 0x9e3779b97f4a7c15),
	}
	if !cfg.Until.IsZero() {
		g.cfg.Until = cfg.Until.Round(0).UTC()
		g.cfg.Start = g.cfg.Until.Add(-g.backfillSpan())
	}
	return g, nil
}

// backfillSpan is how long before Until a backfill starts: the starts of
// all its orders plus the longest an order can take.
func (g *Generator) backfillSpan() time.Duration {
	starts := unlimitedBackfill
	if g.cfg.Orders > 0 {
		starts = time.Duration(float64(g.cfg.Orders-1) * g.interval)
	}
	return (starts + g.scenario.maxSpan(longest(g.cfg.Rules))).Truncate(time.Millisecond) + time.Millisecond
}

// Start returns the virtual time of the first event (Config.Start, or the
// one a backfill chose).
func (g *Generator) Start() time.Time { return g.cfg.Start }

// EventsPerOrder returns the expected number of emissions per order of the
// scenario, duplicates included; order starts are spaced EventsPerOrder/Rate
// seconds apart so that the steady-state rate is Config.Rate.
func (g *Generator) EventsPerOrder() float64 { return g.scenario.eventsPerOrder() }

// Next returns the next emission in non-decreasing At order, and false when
// Config.Orders orders were generated and nothing is pending.
func (g *Generator) Next() (Emission, bool) {
	for g.moreOrders() && (g.pending.Len() == 0 || g.pending[0].at >= g.nextOffset()) {
		g.startOrder()
	}
	if g.pending.Len() == 0 {
		return Emission{}, false
	}
	if !g.cfg.Until.IsZero() && g.pending[0].e.At.After(g.cfg.Until) {
		g.pending, g.reachedUntil = nil, true
		return Emission{}, false
	}
	return *g.pending.pop().e, true
}

// moreOrders reports whether another order may start.
func (g *Generator) moreOrders() bool {
	return !g.reachedUntil && (g.cfg.Orders == 0 || g.started < g.cfg.Orders)
}

// ReachedUntil reports whether a backfill ended at Config.Until with
// emissions still to come (later stages of orders in flight, or, with
// Orders 0, more orders).
func (g *Generator) ReachedUntil() bool { return g.reachedUntil }

// nextOffset is when the next order starts, as an offset from Start.
func (g *Generator) nextOffset() int64 {
	return int64(float64(g.started) * g.interval)
}

// startOrder plans the next order and queues all its emissions.
func (g *Generator) startOrder() {
	start := g.cfg.Start.Add(time.Duration(g.nextOffset()))
	g.started++
	o := g.newOrder(start)
	steps := g.scenario.plan(g.rng, g.orderRules(o), paceOf(o))
	if g.scenario.anomalies() {
		g.scheduleWithAnomalies(o, steps)
		return
	}
	for _, s := range steps {
		g.push(Emission{At: start.Add(s.at), Event: g.event(o, s), Kind: s.kind})
	}
}

// orderInfo is what every event of one order carries.
type orderInfo struct {
	id       string
	start    time.Time
	customer customer
	item     item
	quantity int
	service  string // service_level: standard or express
}

// newOrder draws the customer and item of the order started next.
func (g *Generator) newOrder(start time.Time) orderInfo {
	it, qty := randomItem(g.rng)
	return orderInfo{
		id:       g.cfg.IDPrefix + zeroPad(g.started, 6),
		start:    start,
		customer: randomCustomer(g.rng),
		item:     it,
		quantity: qty,
		service:  randomService(g.rng),
	}
}

// event builds the input event of a step with a fresh event id. Item fields
// ride on ORDER_PLACED only; customer and tenant on every event.
func (g *Generator) event(o orderInfo, s step) order.Event {
	e := order.Event{
		EventID:    g.nextEventID(),
		OrderID:    o.id,
		CustomerID: o.customer.id,
		Type:       s.typ,
		Timestamp:  o.start.Add(s.at),
		TenantID:   o.customer.tenant,
	}
	if s.typ == order.OrderPlaced {
		e.ItemName, e.ItemCategory = o.item.name, o.item.category
		e.Quantity, e.Price = o.quantity, o.item.price
		e.ServiceLevel = o.service
	}
	return e
}

// push queues an emission.
func (g *Generator) push(e Emission) {
	g.pushed++
	g.pending.push(pendingEmission{at: int64(e.At.Sub(g.cfg.Start)), seq: g.pushed, e: &e})
}

// nextEventID returns "e-" and 16 hex digits, unique within the generator:
// mix is a bijection, so distinct counters give distinct ids.
func (g *Generator) nextEventID() string {
	g.events++
	var buf [18]byte
	buf[0], buf[1] = 'e', '-'
	const hex = "0123456789abcdef"
	v := mix(g.events + g.idKey)
	for i := 17; i >= 2; i-- {
		buf[i] = hex[v&0xf]
		v >>= 4
	}
	return string(buf[:])
}

// mix is the splitmix64 finalizer, a bijection on uint64.
func mix(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// zeroPad formats n with at least width digits.
func zeroPad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// wireEvent is the input JSON of SPEC section 3.
type wireEvent struct {
	EventID      string  `json:"event_id,omitempty"`
	OrderID      string  `json:"order_id"`
	CustomerID   string  `json:"customer_id,omitempty"`
	EventType    string  `json:"event_type"`
	ItemName     string  `json:"item_name,omitempty"`
	ItemCategory string  `json:"item_category,omitempty"`
	Quantity     int     `json:"quantity,omitempty"`
	Price        float64 `json:"price,omitempty"`
	Timestamp    string  `json:"timestamp,omitempty"`
	TenantID     string  `json:"tenant_id,omitempty"`
	ServiceLevel string  `json:"service_level,omitempty"`
}

// JSON returns the wire JSON of e (SPEC section 3): snake_case fields and the
// timestamp in RFC 3339 with nanoseconds, UTC. A zero timestamp is omitted,
// and so is a price that JSON cannot represent.
func (g *Generator) JSON(e order.Event) []byte {
	w := wireEvent{
		EventID: e.EventID, OrderID: e.OrderID, CustomerID: e.CustomerID, EventType: string(e.Type),
		ItemName: e.ItemName, ItemCategory: e.ItemCategory, Quantity: e.Quantity, Price: e.Price,
		TenantID: e.TenantID, ServiceLevel: e.ServiceLevel,
	}
	if !e.Timestamp.IsZero() {
		w.Timestamp = e.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	if math.IsNaN(w.Price) || math.IsInf(w.Price, 0) {
		w.Price = 0
	}
	b, err := json.Marshal(w)
	if err != nil { // unreachable: strings, an int and a finite float always marshal
		panic(fmt.Sprintf("generator: marshal event %s: %v", e.OrderID, err))
	}
	return b
}

// pendingEmission is a queued emission. at caches At as nanoseconds since
// Start and seq keeps equal At in push order, so the heap compares entries
// without following the pointer.
type pendingEmission struct {
	at  int64
	seq uint64
	e   *Emission
}

// emissionHeap is a min-heap of pending emissions by (At, seq). push and pop
// sift with heap.Fix, which avoids boxing every entry in an interface.
type emissionHeap []pendingEmission

func (h emissionHeap) Len() int { return len(h) }
func (h emissionHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h emissionHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push and Pop satisfy heap.Interface; use push and pop instead.
func (h *emissionHeap) Push(x any) { *h = append(*h, x.(pendingEmission)) }
func (h *emissionHeap) Pop() any   { return h.pop() }

// push adds an entry and restores the heap order.
func (h *emissionHeap) push(p pendingEmission) {
	*h = append(*h, p)
	heap.Fix(h, len(*h)-1)
}

// pop removes and returns the smallest entry; the heap must not be empty.
func (h *emissionHeap) pop() pendingEmission {
	old := *h
	top, last := old[0], len(old)-1
	old[0] = old[last]
	old[last] = pendingEmission{} // drop the reference for the GC
	*h = old[:last]
	if last > 0 {
		heap.Fix(h, 0)
	}
	return top
}
