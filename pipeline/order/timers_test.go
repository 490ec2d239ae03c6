package order

import (
	"reflect"
	"testing"
	"time"
)

func TestAdded(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 123456789, time.UTC)
	local := t0.In(time.FixedZone("X", 3600))
	p := Deadline{SLA: SLAProcessing, At: t0.Add(24 * time.Hour)}
	d := Deadline{SLA: SLADelivery, At: t0.Add(7 * 24 * time.Hour)}
	s := Deadline{SLA: SLAShipping, At: t0.Add(96 * time.Hour)}
	for _, c := range []struct {
		name       string
		prev, next []Deadline
		want       []Deadline
	}{
		{"new order", nil, []Deadline{p, d}, []Deadline{p, d}},
		{"processing met: shipping starts", []Deadline{p, d}, []Deadline{s, d}, []Deadline{s}},
		{"nothing changes", []Deadline{s, d}, []Deadline{s, d}, nil},
		{"delivered", []Deadline{d}, nil, nil},
		{"same instant in another zone", []Deadline{{SLA: SLAProcessing, At: local.Add(24 * time.Hour)}}, []Deadline{p}, nil},
		{"moved by a nanosecond", []Deadline{p}, []Deadline{{SLA: SLAProcessing, At: p.At.Add(1)}}, []Deadline{{SLA: SLAProcessing, At: p.At.Add(1)}}},
		{"same instant, other SLA", []Deadline{{SLA: SLAShipping, At: p.At}}, []Deadline{p}, []Deadline{p}},
		{"monotonic reading ignored", []Deadline{{SLA: SLAProcessing, At: time.Unix(0, p.At.UnixNano())}}, []Deadline{p}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Added(c.prev, c.next); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Added = %v, want %v", got, c.want)
			}
		})
	}
}

func TestAfter(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	ds := []Deadline{{SLA: SLAProcessing, At: t0}, {SLA: SLADelivery, At: t0.Add(time.Millisecond)}}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{t0.Add(-1), 2}, {t0, 1}, {t0.Add(time.Millisecond - 1), 1}, {t0.Add(time.Millisecond), 0}} {
		if got := After(ds, c.at); len(got) != c.want {
			t.Errorf("After(%v) = %v, want %d deadlines", c.at, got, c.want)
		}
	}
}

// TestNextCheck: the earliest pending instant in (after, before), warnings
// included, on an order placed at t0 with processing 12h warned at 0.5 and
// 0.75 (6h, 9h), delivery 168h warned at 84h and 126h.
func TestNextCheck(t *testing.T) {
	r := testRules
	r.WarnAt = []float64{0.5, 0.75}
	placed := build(t, r, placedEvent(t0))
	for _, c := range []struct {
		name          string
		s             State
		after, before time.Time
		want          time.Time // zero: none
	}{
		{"first warning", placed, time.Time{}, hours(100), hours(6)},
		{"none before", placed, time.Time{}, hours(6), time.Time{}},
		{"after the first", placed, hours(6), hours(100), hours(9)},
		{"the breach check", placed, hours(9), hours(100), hours(12)},
		{"delivery's warning", placed, hours(12), hours(100), hours(84)},
		{"processing met", build(t, r, placedEvent(t0), bare(ProcessingStarted, hours(1))), time.Time{}, hours(100), hours(37)}, // shipping from 1h: 72h warned at 36h
		{"delivered", build(t, r, placedEvent(t0), bare(ItemDelivered, hours(1))), time.Time{}, hours(1000), time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := r.NextCheck(c.s, c.after, c.before)
			if ok != !c.want.IsZero() || !got.Equal(c.want) {
				t.Errorf("NextCheck = %v %v, want %v", got, ok, c.want)
			}
		})
	}
}
