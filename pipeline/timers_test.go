package pipeline

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

func TestSlotOf(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC) // a slot boundary
	ms := t0.UnixMilli()
	for _, c := range []struct {
		at   time.Time
		want int64
	}{
		{t0, ms},
		{t0.Add(time.Nanosecond), ms},
		{t0.Add(99*time.Millisecond + 999999), ms},
		{t0.Add(100 * time.Millisecond), ms + 100},
		{t0.Add(-time.Nanosecond), ms - 100},
		{time.UnixMilli(-1), -100},
		{time.UnixMilli(-100), -100},
	} {
		if got := slotOf(c.at); got != c.want {
			t.Errorf("slotOf(%v) = %d, want %d", c.at, got, c.want)
		}
	}
}

// TestSlotMessages checks that due checks are grouped by slot, each order
// listed once per slot, and that each schedule fires exactly at the latest
// instant it lists, on its partition's fired subject.
func TestSlotMessages(t *testing.T) {
	topo := contract.Topology{Prefix: "orders", Partitions: 8}
	t0 := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	ms := t0.UnixMilli()
	due := []Due{
		{"A", t0.Add(10*time.Millisecond + 1)},
		{"B", t0.Add(90*time.Millisecond + 123456)},
		{"A", t0.Add(50 * time.Millisecond)}, // A again in the same slot: listed once
		{"C", t0.Add(100 * time.Millisecond)},
		{"A", t0.Add(24 * time.Hour)},
	}
	msgs := SlotMessages(topo, 3, due)
	want := []struct {
		slot   int64
		at     string
		orders []string
	}{
		{ms, "2024-01-02T10:00:00.090123456Z", []string{"A", "B"}},
		{ms + 100, "2024-01-02T10:00:00.1Z", []string{"C"}},
		{ms + 86_400_000, "2024-01-03T10:00:00Z", []string{"A"}},
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		m := msgs[i]
		prefix := fmt.Sprintf("orders.sla.sched.3.%d.", w.slot)
		if !strings.HasPrefix(m.Subject, prefix) || len(m.Subject) <= len(prefix) {
			t.Errorf("message %d: subject %s, want %s<token>", i, m.Subject, prefix)
		}
		if got := m.Header.Get(jetstream.ScheduleHeader); got != "@at "+w.at {
			t.Errorf("message %d: schedule %q, want @at %s", i, got, w.at)
		}
		if got, wantT := m.Header.Get(jetstream.ScheduleTargetHeader), fmt.Sprintf("orders.sla.fired.3.%d", w.slot); got != wantT {
			t.Errorf("message %d: target %s, want %s", i, got, wantT)
		}
		body, err := parseSlot(m.Data)
		if err != nil {
			t.Fatalf("message %d: %v: %s", i, err, m.Data)
		}
		if body.At.Format(time.RFC3339Nano) != w.at || !reflect.DeepEqual(body.Orders, w.orders) {
			t.Errorf("message %d: body %s, want at %s orders %v", i, m.Data, w.at, w.orders)
		}
	}
	if again := SlotMessages(topo, 3, due[:1]); again[0].Subject == msgs[0].Subject {
		t.Errorf("two batches wrote the same schedule subject %s: one would replace the other", again[0].Subject)
	}
}

func TestSlotMessagesSplitsLongLists(t *testing.T) {
	at := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	var due []Due
	for i := range 2*slotMaxOrders + 1 {
		due = append(due, Due{fmt.Sprintf("ORD-%05d", i), at})
	}
	msgs := SlotMessages(contract.Topology{Prefix: "orders", Partitions: 1}, 0, due)
	var got []string
	for _, m := range msgs {
		b, err := parseSlot(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Orders...)
	}
	if len(msgs) != 3 || len(got) != len(due) || got[0] != "ORD-00000" || got[len(got)-1] != due[len(due)-1].OrderID {
		t.Errorf("%d messages listing %d orders, want 3 listing %d in order", len(msgs), len(got), len(due))
	}
}

func TestParseSlot(t *testing.T) {
	at := time.Date(2024, 1, 2, 10, 0, 0, 5, time.UTC)
	for _, c := range []struct {
		name, body string
		want       slotBody
		err        bool
	}{
		{"slot", `{"at":"2024-01-02T10:00:00.000000005Z","orders":["A","B"]}`, slotBody{At: at, Orders: []string{"A", "B"}}, false},
		{"check of the design before slots", `{"order_id":"A","sla":"processing","deadline":"2024-01-02T10:00:00.000000005Z"}`, slotBody{At: at, Orders: []string{"A"}}, false},
		{"no orders", `{"at":"2024-01-02T10:00:00Z","orders":[]}`, slotBody{}, true},
		{"not JSON", `{"at"`, slotBody{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseSlot([]byte(c.body))
			if (err != nil) != c.err || !got.At.Equal(c.want.At) || !reflect.DeepEqual(got.Orders, c.want.Orders) {
				t.Errorf("parseSlot = %v, %v; want %v, error %v", got, err, c.want, c.err)
			}
		})
	}
}
