package pipeline

import (
	"encoding/json"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// record is the KV value of an order: its state plus the outbox of the
// write that produced it. The state CAS is the commit point of a batch; the
// outbox lets a restarted pipeline finish publishing what a crashed one
// committed but may not have emitted (SPEC section 7).
type record struct {
	order.State
	Outbox *outbox `json:"outbox,omitempty"`
}

// outbox is what a committed write still had to emit.
type outbox struct {
	At      time.Time `json:"at"`
	Updates []keyed   `json:"updates,omitempty"`
	Timers  bool      `json:"timers,omitempty"` // timers changed with this write
}

// keyed keeps an update's de-duplication key, which the output JSON omits.
type keyed struct {
	order.Update
	Key string `json:"key"`
}

func toKeyed(us []order.Update) []keyed {
	out := make([]keyed, len(us))
	for i, u := range us {
		out[i] = keyed{Update: u, Key: u.Key}
	}
	return out
}

func fromKeyed(ks []keyed) []order.Update {
	out := make([]order.Update, len(ks))
	for i, k := range ks {
		out[i] = k.Update
		out[i].Key = k.Key
	}
	return out
}

func encodeRecord(s order.State, updates []order.Update, timers bool, now time.Time) ([]byte, error) {
	return json.Marshal(record{State: s, Outbox: &outbox{At: now, Updates: toKeyed(updates), Timers: timers}})
}

func decodeRecord(data []byte) (record, error) {
	var r record
	err := json.Unmarshal(data, &r)
	if r.Breaches == nil {
		r.Breaches = []order.SLA{}
	}
	return r, err
}

// DecodeState parses a KV value of the ORDERS bucket into the order's state.
func DecodeState(data []byte) (order.State, error) {
	r, err := decodeRecord(data)
	return r.State, err
}

// cached is what a partition owner remembers of an order between batches,
// so that it needs no KV read before a CAS write.
type cached struct {
	state order.State
	rev   uint64
	// unsent holds committed updates whose publication is not confirmed
	// (nil once confirmed); timersUnsent says the timers need reconciling.
	unsent       []order.Update
	timersUnsent bool
	// fromKV marks an outbox read back from KV whose age decides whether
	// re-publication is de-duplicated by the server.
	outboxAt time.Time
	fromKV   bool
}
