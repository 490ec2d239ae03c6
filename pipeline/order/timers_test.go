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
