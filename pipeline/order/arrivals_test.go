package order

import (
	"encoding/json"
	"testing"
	"time"
)

// arrivals builds Arrivals from a map, the shape the JSON has.
func arrivals(m map[Stage]time.Time) Arrivals {
	var a Arrivals
	for st, t := range m {
		a.set(st, t)
	}
	return a
}

// TestArrivalsJSON checks that Arrivals reads and writes exactly the JSON a
// map[Stage]time.Time gives, so KV values written before it still decode.
func TestArrivalsJSON(t *testing.T) {
	at := time.Date(2024, 1, 1, 10, 0, 0, 123000000, time.UTC)
	for _, m := range []map[Stage]time.Time{
		{StageOrder: at},
		{StageShipped: at, StageOrder: at.Add(-time.Hour), StageProcessing: at.Add(time.Minute)},
		{StageOrder: at, StageProcessing: at, StageShipped: at, StageDelivered: at, StageCancelled: at},
	} {
		want, _ := json.Marshal(m)
		got, err := json.Marshal(arrivals(m))
		if err != nil || string(got) != string(want) {
			t.Errorf("Marshal = %s, %v; want %s", got, err, want)
		}
		var back Arrivals
		if err := json.Unmarshal(want, &back); err != nil || back != arrivals(m) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", want, back, err, arrivals(m))
		}
		for st, tm := range m {
			if got, ok := back.Get(st); !ok || !got.Equal(tm) {
				t.Errorf("Get(%s) = %v, %v; want %v", st, got, ok, tm)
			}
		}
	}
	if _, ok := (Arrivals{}).Get(StageOrder); ok {
		t.Error("Get on empty Arrivals reports a time")
	}
	var a Arrivals
	if err := json.Unmarshal([]byte(`{"ORDER":"2024-01-01T10:00:00Z","RETURNED":"2024-01-02T10:00:00Z"}`), &a); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Get(StageOrder); !ok || a.IsZero() {
		t.Errorf("known stage lost next to an unknown one: %v", a)
	}
	if err := json.Unmarshal([]byte(`[1]`), &a); err == nil {
		t.Error("an array was accepted as arrivals")
	}
}

// TestStateOmitsNoArrivals checks the state JSON has no "arrived" key until
// an arrival is known, as with the omitempty map before.
func TestStateOmitsNoArrivals(t *testing.T) {
	b, _ := json.Marshal(NewState("ORD-1"))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if _, ok := m["arrived"]; ok {
		t.Errorf("empty arrivals encoded: %s", b)
	}
}
