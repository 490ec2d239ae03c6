package pipeline

import (
	"encoding/json"
	"fmt"
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

// encodeRecord writes the KV value: exactly what json.Marshal makes of
// record{s, &outbox{now, updates}}, without reflection (the hot
// path of every write).
func encodeRecord(s order.State, updates []order.Update, now time.Time) ([]byte, error) {
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
