package order_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// benchEvent is a typical ~230-byte ORDER_PLACED input.
var benchEvent = []byte(`{"event_id":"e-81f2a9c07d3e4b15","order_id":"ORD-001234","customer_id":"CUST-5678",` +
	`"event_type":"ORDER_PLACED","item_name":"Blue Jeans","item_category":"Pants","quantity":2,"price":79.99,` +
	`"timestamp":"2024-01-01T10:00:00.123456789Z","tenant_id":"acme"}`)

// BenchmarkDecode measures validating and decoding one input event.
func BenchmarkDecode(b *testing.B) {
	arrived := time.Date(2024, 1, 1, 10, 0, 1, 0, time.UTC)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEvent)))
	for b.Loop() {
		if _, err := order.Decode(benchEvent, "ORD-001234", arrived, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// lifecycle is one order's happy path: placed, processing, shipped, delivered.
func lifecycle() []order.Event {
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	types := []order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered}
	evs := make([]order.Event, len(types))
	for i, typ := range types {
		evs[i] = order.Event{EventID: "e-" + string(rune('a'+i)), OrderID: "ORD-001234", CustomerID: "CUST-5678",
			Type: typ, Timestamp: t0.Add(time.Duration(i) * time.Hour), TenantID: "acme", Arrived: t0.Add(time.Duration(i) * time.Hour)}
	}
	evs[0].ItemName, evs[0].ItemCategory, evs[0].Quantity, evs[0].Price = "Blue Jeans", "Pants", 2, 79.99
	return evs
}

// BenchmarkApply measures applying a full lifecycle (4 events, 4 updates)
// to a new order, with the pending deadlines computed after each step as
// the pipeline does to diff its timers.
//
// Sub-benchmarks: plain (the defaults), the defaults under a business
// calendar (Mon-Fri 08-18 in Berlin with a few holidays), warn_at [0.5,
// 0.75] (two more instants per pending SLA), and warnings under the same
// calendar. A calendar aims at no more than twice its round-the-clock twin.
func BenchmarkApply(b *testing.B) {
	warn := order.DefaultRules()
	warn.WarnAt = []float64{0.5, 0.75}
	var week order.Week
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []order.Span{{From: 8 * time.Hour, To: 18 * time.Hour}}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var holidays []order.Date
	for _, h := range []string{"2023-12-25", "2023-12-26", "2024-01-01", "2024-01-03", "2024-04-01", "2024-05-01", "2024-12-25"} {
		d, _ := order.ParseDate(h)
		holidays = append(holidays, d)
	}
	office, err := order.NewCalendar("office", berlin, week, holidays)
	if err != nil {
		b.Fatal(err)
	}
	cal, warnCal := order.DefaultRules(), warn
	cal.Calendar, warnCal.Calendar = office, office
	for _, c := range []struct {
		name  string
		rules order.Rules
	}{{"plain", order.DefaultRules()}, {"calendar", cal}, {"warn_at", warn}, {"warn_at+calendar", warnCal}} {
		b.Run(c.name, func(b *testing.B) { benchApply(b, c.rules) })
	}
}

func benchApply(b *testing.B, rules order.Rules) {
	evs := lifecycle()
	now := evs[3].Timestamp.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		s := order.NewState("ORD-001234")
		n := 0
		for _, e := range evs {
			var us []order.Update
			s, us = order.Apply(s, e, rules, now)
			n += len(us) + len(rules.Pending(s))
		}
		if n < 4 {
			b.Fatalf("%d updates and deadlines", n)
		}
	}
}

// confirmed is the update of the benchmark lifecycle's first event.
func confirmed(b *testing.B) order.Update {
	evs := lifecycle()
	_, us := order.Apply(order.NewState("ORD-001234"), evs[0], order.DefaultRules(), evs[0].Timestamp)
	if len(us) != 1 {
		b.Fatalf("%d updates", len(us))
	}
	return us[0]
}

// twoStages is the benchmark order's state after two stages: the bulk of
// the KV value the pipeline writes per order and batch.
func twoStages() order.State {
	evs := lifecycle()
	s := order.NewState("ORD-001234")
	for _, e := range evs[:2] {
		s, _ = order.Apply(s, e, order.DefaultRules(), e.Timestamp)
	}
	return s
}

// BenchmarkEncodeUpdate measures the output JSON of one update as the
// pipeline writes it (AppendJSON); BenchmarkEncodeUpdateReflect is the
// encoding/json baseline it replaced.
func BenchmarkEncodeUpdate(b *testing.B) {
	u := confirmed(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = u.AppendJSON(make([]byte, 0, 384))
	}
}

func BenchmarkEncodeUpdateReflect(b *testing.B) {
	benchMarshal(b, confirmed(b))
}

// BenchmarkEncodeState measures the JSON of an order state as the pipeline
// writes it; BenchmarkEncodeStateReflect is encoding/json.
func BenchmarkEncodeState(b *testing.B) {
	s := twoStages()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.AppendJSON(make([]byte, 0, 768))
	}
}

func BenchmarkEncodeStateReflect(b *testing.B) {
	benchMarshal(b, twoStages())
}

func benchMarshal(b *testing.B, v any) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeState measures reading an order state back from its JSON.
func BenchmarkDecodeState(b *testing.B) {
	data, err := json.Marshal(twoStages())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var got order.State
		if err := json.Unmarshal(data, &got); err != nil {
			b.Fatal(err)
		}
	}
}
