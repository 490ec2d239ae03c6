package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Record is the KV value of an order: its state plus the outbox of the
// write that produced it. The state CAS is the commit point of a batch; the
// outbox lets a restarted pipeline finish publishing what a crashed one
// committed but may not have emitted (SPEC section 7).
type Record struct {
	order.State
	Outbox *Outbox `json:"outbox,omitempty"`
}

// Outbox is what a committed write still had to emit.
type Outbox struct {
	At      time.Time `json:"at"`
	Updates []keyed   `json:"updates,omitempty"`
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

// Unsent returns the updates of the outbox, with their de-duplication keys.
func (o *Outbox) Unsent() []order.Update { return fromKeyed(o.Updates) }

func fromKeyed(ks []keyed) []order.Update {
	out := make([]order.Update, len(ks))
	for i, k := range ks {
		out[i] = k.Update
		out[i].Key = k.Key
	}
	return out
}

// EncodeRecord writes the KV value: exactly what json.Marshal makes of
// Record{s, &Outbox{now, updates}}, without reflection (the hot
// path of every write).
func EncodeRecord(s order.State, updates []order.Update, now time.Time) ([]byte, error) {
	if now.Year() > 9999 || now.Year() < 0 {
		return nil, fmt.Errorf("outbox time %v out of range", now)
	}
	b := make([]byte, 0, 768+384*len(updates))
	b = s.AppendJSON(b)
	b = append(b[:len(b)-1], `,"outbox":{"at":"`...)
	b = now.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	for i, u := range updates {
		if i == 0 {
			b = append(b, `,"updates":[`...)
		} else {
			b = append(b, ',')
		}
		b = u.AppendJSON(b)
		b = append(b[:len(b)-1], `,"key":`...)
		b = appendJSONString(b, u.Key)
		b = append(b, '}')
	}
	if len(updates) > 0 {
		b = append(b, ']')
	}
	return append(b, '}', '}'), nil
}

// appendJSONString appends s quoted as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// DecodeRecord parses a KV value of the ORDERS bucket: the state and the
// outbox of the write that stored it.
func DecodeRecord(data []byte) (Record, error) {
	var r Record
	err := json.Unmarshal(data, &r)
	if r.Breaches == nil {
		r.Breaches = []order.SLA{}
	}
	return r, err
}

// DecodeState parses a KV value of the ORDERS bucket into the order's state.
func DecodeState(data []byte) (order.State, error) {
	r, err := DecodeRecord(data)
	return r.State, err
}

// ScanOrders calls visit with every order stored in the ORDERS bucket (ok
// false for a value that does not decode). It streams the bucket's current
// values once (a KV watch that ignores deletes), so it costs one read of
// every stored order: about a second per few hundred thousand orders, and no
// memory beyond what visit keeps. It stops at the end of the initial values
// or at the first value written after it started, whichever comes first:
// under a steady stream of writes the watch's end-of-initial-values marker
// may not come for a long time.
func ScanOrders(ctx context.Context, js jetstream.JetStream, visit func(s order.State, ok bool)) error {
	st, err := kv.Lookup(ctx, js, OrdersBucket)
	if err != nil {
		return err
	}
	return st.Scan(ctx, func(_ string, value []byte) {
		s, err := DecodeState(value)
		visit(s, err == nil)
	})
}
