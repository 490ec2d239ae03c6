package generator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// shortRules are demo-sized SLAs, so the steady state is reached quickly.
var shortRules = order.Rules{Processing: 10 * time.Second, Shipping: 20 * time.Second, Delivery: time.Minute}

// newGen returns a generator for cfg, failing the test on a config error.
func newGen(t testing.TB, cfg Config) *Generator {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return g
}

// drain returns up to limit emissions (all of them when limit is 0).
func drain(g *Generator, limit int) []Emission {
	var out []Emission
	for limit == 0 || len(out) < limit {
		e, ok := g.Next()
		if !ok {
			break
		}
		out = append(out, e)
	}
	return out
}

// describe renders an emission with everything that must be reproducible.
func describe(g *Generator, e Emission) string {
	return fmt.Sprintf("%s %t %s %s", e.At.Format(time.RFC3339Nano), e.Duplicate, e.Kind, g.JSON(e.Event))
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // in the error; empty for a valid config
	}{
		{"zero value", Config{}, ""},
		{"sample", Config{Scenario: Sample, Orders: 10, Rate: 1000, IDPrefix: "T_1-"}, ""},
		{"unknown scenario", Config{Scenario: "chaos"}, `scenario "chaos"`},
		{"negative orders", Config{Orders: -1}, "orders -1"},
		{"negative rate", Config{Rate: -5}, "rate -5"},
		{"negative SLA", Config{Rules: order.Rules{Shipping: -time.Hour}}, "rules"},
		{"bad prefix", Config{IDPrefix: "ORD/"}, `id prefix "ORD/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want ErrInvalidConfig mentioning %q", err, tt.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, scenario := range []string{Realistic, Sample} {
		t.Run(scenario, func(t *testing.T) {
			cfg := Config{Scenario: scenario, Seed: 42, Rules: shortRules}
			a, b := newGen(t, cfg), newGen(t, cfg)
			cfg.Seed = 43
			c := newGen(t, cfg)
			differs := false
			for i := range 2000 {
				ea, _ := a.Next()
				eb, _ := b.Next()
				ec, _ := c.Next()
				da, db := describe(a, ea), describe(b, eb)
				if da != db {
					t.Fatalf("emission %d differs with the same seed:\n%s\n%s", i, da, db)
				}
				differs = differs || da != describe(c, ec)
			}
			if !differs {
				t.Error("seeds 42 and 43 gave identical first 2000 emissions")
			}
		})
	}
}

func TestAtNonDecreasing(t *testing.T) {
	for _, scenario := range []string{Realistic, Sample} {
		t.Run(scenario, func(t *testing.T) {
			start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
			g := newGen(t, Config{Scenario: scenario, Seed: 7, Start: start})
			prev := start
			for i, e := range drain(g, 20000) {
				if e.At.Before(prev) {
					t.Fatalf("emission %d at %v before previous %v", i, e.At, prev)
				}
				if e.At.Before(e.Event.Timestamp) {
					t.Fatalf("emission %d published at %v before its event time %v", i, e.At, e.Event.Timestamp)
				}
				prev = e.At
			}
		})
	}
}

func TestOrdersLimitAndIdentity(t *testing.T) {
	const orders = 3000
	g := newGen(t, Config{Seed: 1, Orders: orders, Rules: shortRules})
	all := drain(g, 0)
	if _, ok := g.Next(); ok {
		t.Fatal("Next after the end returned an emission")
	}
	seenIDs := map[string]bool{}
	stages := map[string]map[order.EventType]bool{}
	for i, e := range all {
		ev := e.Event
		if e.Duplicate != (e.Kind == KindDuplicate) {
			t.Fatalf("emission %d: Duplicate=%t but Kind=%s", i, e.Duplicate, e.Kind)
		}
		if e.Duplicate {
			if !seenIDs[ev.EventID] {
				t.Fatalf("duplicate %d repeats event id %s not emitted before", i, ev.EventID)
			}
			continue
		}
		if seenIDs[ev.EventID] {
			t.Fatalf("event id %s reused by non-duplicate emission %d", ev.EventID, i)
		}
		seenIDs[ev.EventID] = true
		if stages[ev.OrderID] == nil {
			stages[ev.OrderID] = map[order.EventType]bool{}
		}
		if stages[ev.OrderID][ev.Type] {
			t.Fatalf("order %s has %s twice", ev.OrderID, ev.Type)
		}
		stages[ev.OrderID][ev.Type] = true
	}
	if len(stages) != orders {
		t.Fatalf("distinct orders = %d, want %d", len(stages), orders)
	}
	for _, id := range []string{"ORD-000001", "ORD-003000"} {
		if !stages[id][order.OrderPlaced] {
			t.Errorf("order %s missing or without ORDER_PLACED", id)
		}
	}
}

// orderTimes collects the event time of each stage of each order.
func orderTimes(all []Emission) map[string]map[order.EventType]time.Time {
	times := map[string]map[order.EventType]time.Time{}
	for _, e := range all {
		if times[e.Event.OrderID] == nil {
			times[e.Event.OrderID] = map[order.EventType]time.Time{}
		}
		times[e.Event.OrderID][e.Event.Type] = e.Event.Timestamp
	}
	return times
}

// breaches counts the orders whose stage times exceed each SLA.
func breaches(times map[string]map[order.EventType]time.Time, rules order.Rules) map[order.SLA]int {
	n := map[order.SLA]int{}
	for _, ts := range times {
		placed, hasPlaced := ts[order.OrderPlaced]
		if p, ok := ts[order.ProcessingStarted]; ok && hasPlaced && p.Sub(placed) > rules.Processing {
			n[order.SLAProcessing]++
		}
		if s, ok := ts[order.ItemShipped]; ok && s.Sub(ts[order.ProcessingStarted]) > rules.Shipping {
			n[order.SLAShipping]++
		}
		if d, ok := ts[order.ItemDelivered]; ok && hasPlaced && d.Sub(placed) > rules.Delivery {
			n[order.SLADelivery]++
		}
	}
	return n
}

func TestRealisticCoverage(t *testing.T) {
	for _, rules := range []order.Rules{order.DefaultRules(), shortRules} {
		t.Run(fmt.Sprint(rules.Processing), func(t *testing.T) {
			g := newGen(t, Config{Seed: 3, Orders: 3000, Rules: rules})
			all := drain(g, 0)
			types, kinds := map[order.EventType]int{}, map[string]int{}
			for _, e := range all {
				types[e.Event.Type]++
				kinds[e.Kind]++
			}
			for _, typ := range forwardTypes {
				if types[typ] == 0 {
					t.Errorf("no %s events", typ)
				}
			}
			if types[order.OrderCancelled] < 100 {
				t.Errorf("cancellations = %d, want about 8%% of 3000 orders", types[order.OrderCancelled])
			}
			for _, k := range []string{KindNormal, KindDuplicate, KindOutOfOrder, KindLate, KindConflict, KindDelayedProof} {
				if kinds[k] == 0 {
					t.Errorf("no %s emissions", k)
				}
			}
			if share := float64(kinds[KindDuplicate]) / float64(len(all)); share < 0.015 || share > 0.05 {
				t.Errorf("duplicate share = %.3f, want about 0.03", share)
			}
			n := breaches(orderTimes(all), rules)
			for _, sla := range order.SLAs {
				if n[sla] < 60 || n[sla] > 450 {
					t.Errorf("orders breaching %s = %d, want about 5%% of 3000", sla, n[sla])
				}
			}
		})
	}
}

func TestRealisticAnomaliesAreWhatTheySay(t *testing.T) {
	g := newGen(t, Config{Seed: 9, Orders: 3000, Rules: shortRules})
	rank := map[order.EventType]int{order.OrderPlaced: 1, order.ProcessingStarted: 2, order.ItemShipped: 3, order.ItemDelivered: 4}
	highest := map[string]int{} // highest forward stage emitted so far per order
	cancelled := map[string]bool{}
	placed := map[string]time.Time{}
	for _, e := range drain(g, 0) {
		ev := e.Event
		if ev.Type == order.OrderPlaced {
			placed[ev.OrderID] = ev.Timestamp
		}
		switch e.Kind {
		case KindLate:
			if lag := e.At.Sub(ev.Timestamp); lag < 2*time.Second || lag > 10*time.Second {
				t.Errorf("late %s %s published %v after its event time, want 2-10s", ev.OrderID, ev.Type, lag)
			}
		case KindDelayedProof:
			deadline := placed[ev.OrderID].Add(shortRules.Processing)
			if ev.Timestamp.After(deadline) || ev.Type != order.ProcessingStarted || !e.At.After(deadline.Add(2*time.Second)) {
				t.Errorf("delayed proof %s %s published at %v, want processing in time, published 2s past its deadline %v", ev.OrderID, ev.Type, e.At, deadline)
			}
		case KindOutOfOrder:
			if highest[ev.OrderID] <= rank[ev.Type] {
				t.Errorf("out_of_order %s %s not preceded by a later stage", ev.OrderID, ev.Type)
			}
		case KindConflict:
			impossible := (ev.Type == order.OrderCancelled && highest[ev.OrderID] == 4) || cancelled[ev.OrderID]
			if !impossible {
				t.Errorf("conflict %s %s is not impossible", ev.OrderID, ev.Type)
			}
		}
		if e.Duplicate {
			continue
		}
		highest[ev.OrderID] = max(highest[ev.OrderID], rank[ev.Type])
		cancelled[ev.OrderID] = cancelled[ev.OrderID] || ev.Type == order.OrderCancelled
	}
}

func TestSampleHasNoAnomalies(t *testing.T) {
	rules := order.DefaultRules()
	g := newGen(t, Config{Scenario: Sample, Seed: 5, Orders: 500, Rules: rules, Rate: 1000})
	all := drain(g, 0)
	if len(all) != 500*4 {
		t.Fatalf("emissions = %d, want 4 per order", len(all))
	}
	next := map[string]int{}
	for _, e := range all {
		if e.Kind != KindNormal || e.Duplicate || !e.At.Equal(e.Event.Timestamp) {
			t.Fatalf("anomaly in sample: %+v", e)
		}
		if want := forwardTypes[next[e.Event.OrderID]]; e.Event.Type != want {
			t.Fatalf("order %s: got %s, want %s", e.Event.OrderID, e.Event.Type, want)
		}
		next[e.Event.OrderID]++
	}
	if n := breaches(orderTimes(all), rules); len(n) != 0 {
		t.Errorf("sample breaches SLAs: %v", n)
	}
}

func TestSteadyRate(t *testing.T) {
	for _, scenario := range []string{Realistic, Sample} {
		t.Run(scenario, func(t *testing.T) {
			const rate = 20.0
			start := DefaultStart
			g := newGen(t, Config{Scenario: scenario, Seed: 11, Rules: shortRules, Rate: rate})
			// Past the ramp-up (the longest order lifetime, ~1.5x the
			// delivery SLA), count emissions over ten minutes of virtual time.
			from, to := start.Add(5*time.Minute), start.Add(15*time.Minute)
			count := 0
			for e, _ := g.Next(); e.At.Before(to); e, _ = g.Next() {
				if !e.At.Before(from) {
					count++
				}
			}
			got := float64(count) / to.Sub(from).Seconds()
			if got < rate*0.9 || got > rate*1.1 {
				t.Errorf("steady rate = %.2f events/s, want %.0f ±10%%", got, rate)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	g := newGen(t, Config{Seed: 2, Start: time.Date(2024, 1, 1, 11, 0, 0, 0, time.FixedZone("CET", 3600))})
	for _, e := range drain(g, 200) {
		raw := g.JSON(e.Event)
		var back struct {
			EventID   string    `json:"event_id"`
			OrderID   string    `json:"order_id"`
			EventType string    `json:"event_type"`
			Timestamp time.Time `json:"timestamp"`
			TenantID  string    `json:"tenant_id"`
			ItemName  string    `json:"item_name"`
		}
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", raw, err)
		}
		ev := e.Event
		if back.OrderID != ev.OrderID || back.EventType != string(ev.Type) || back.EventID != ev.EventID ||
			!back.Timestamp.Equal(ev.Timestamp) || back.TenantID != ev.TenantID || back.ItemName != ev.ItemName {
			t.Fatalf("round trip of %s lost data: %+v vs %+v", raw, back, ev)
		}
		if back.Timestamp.Location() != time.UTC {
			t.Fatalf("timestamp not UTC in %s", raw)
		}
	}
}

func TestJSONPlacedEvent(t *testing.T) {
	g := newGen(t, Config{})
	ev := order.Event{
		EventID: "e-81f2", OrderID: "ORD-001234", CustomerID: "CUST-5678", Type: order.OrderPlaced,
		ItemName: "Blue Jeans", ItemCategory: "Pants", Quantity: 2, Price: 79.99,
		Timestamp: time.Date(2024, 1, 1, 10, 0, 0, 500_000_000, time.UTC), TenantID: "acme",
	}
	want := `{"event_id":"e-81f2","order_id":"ORD-001234","customer_id":"CUST-5678","event_type":"ORDER_PLACED",` +
		`"item_name":"Blue Jeans","item_category":"Pants","quantity":2,"price":79.99,` +
		`"timestamp":"2024-01-01T10:00:00.5Z","tenant_id":"acme"}`
	if got := string(g.JSON(ev)); got != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestEventsPerOrderMatchesOutput(t *testing.T) {
	g := newGen(t, Config{Seed: 4, Orders: 5000, Rules: shortRules})
	got := float64(len(drain(g, 0))) / 5000
	if want := g.EventsPerOrder(); got < want*0.97 || got > want*1.03 {
		t.Errorf("events per order = %.3f, EventsPerOrder() = %.3f", got, want)
	}
}

func BenchmarkNext(b *testing.B) {
	for _, scenario := range []string{Realistic, Sample} {
		b.Run(scenario, func(b *testing.B) {
			g := newGen(b, Config{Scenario: scenario, Seed: 1, Rules: shortRules, Rate: 10000})
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := g.Next(); !ok {
					b.Fatal("unlimited generator ended")
				}
			}
		})
	}
}

// TestBackfillKeepsEveryEventInThePast: with the default day-long SLAs a
// backfill until now places whole lifecycles in the past, so no event
// time and no emission is after Until, and every order is complete.
func TestBackfillKeepsEveryEventInThePast(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, scenario := range []string{Realistic, Sample} {
		g := newGen(t, Config{Scenario: scenario, Seed: 11, Orders: 500, Rate: 100_000, Until: until})
		if !g.Start().Before(until) {
			t.Errorf("%s: start %v not before until %v", scenario, g.Start(), until)
		}
		n, placed := 0, 0
		for {
			em, ok := g.Next()
			if !ok {
				break
			}
			n++
			if em.Event.Timestamp.After(until) || em.At.After(until) {
				t.Fatalf("%s: event %s of %s at %v, published at %v: after until %v", scenario, em.Event.Type, em.Event.OrderID, em.Event.Timestamp, em.At, until)
			}
			if em.Event.Type == order.OrderPlaced && !em.Duplicate {
				placed++
			}
		}
		if placed != 500 || g.ReachedUntil() {
			t.Errorf("%s: %d orders placed (reached until: %v), want all 500 complete", scenario, placed, g.ReachedUntil())
		}
	}
	// Unlimited: the run ends at until.
	g := newGen(t, Config{Seed: 3, Rate: 20, Until: until, // an hour of orders at 20 events/s
		Rules: order.Rules{Processing: time.Second, Shipping: time.Second, Delivery: time.Second}})
	for i := 0; ; i++ {
		em, ok := g.Next()
		if !ok {
			break
		}
		if em.At.After(until) {
			t.Fatalf("emission at %v after until", em.At)
		}
		if i > 2_000_000 {
			t.Fatal("an unlimited backfill did not end at until")
		}
	}
	if !g.ReachedUntil() {
		t.Error("unlimited backfill: ReachedUntil false")
	}
}
