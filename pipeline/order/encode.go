package order

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// AppendJSON appends the update's JSON, byte for byte what json.Marshal
// produces, without reflection and with a single growing buffer. It is the
// hot path of every output and KV write (see BenchmarkEncodeUpdate).
func (u Update) AppendJSON(b []byte) []byte {
	b = appendKey(b, '{', "order_id")
	b = appendString(b, u.OrderID)
	b = appendKey(b, ',', "event_type")
	b = appendString(b, string(u.Type))
	b = appendKey(b, ',', "status")
	b = appendString(b, string(u.Status))
	b = appendKey(b, ',', "message")
	b = appendString(b, u.Message)
	b = appendKey(b, ',', "sla_breach")
	b = strconv.AppendBool(b, u.SLABreach)
	b = appendOptString(b, "sla", string(u.SLA))
	if u.Deadline != nil {
		b = appendKey(b, ',', "deadline")
		b = appendTime(b, *u.Deadline)
	}
	b = appendOptString(b, "rule", u.Rule)
	b = appendOptString(b, "reason", u.Reason)
	b = appendOptFloat(b, "probability", u.Probability)
	b = appendOptFloat(b, "threshold", u.Threshold)
	b = appendOptFloat(b, "remaining_seconds", u.RemainingSeconds)
	b = appendKey(b, ',', "event_time")
	b = appendTime(b, u.EventTime)
	b = appendKey(b, ',', "emitted_at")
	b = appendTime(b, u.EmittedAt)
	b = appendOptString(b, "customer_id", u.CustomerID)
	b = appendOptString(b, "item_name", u.ItemName)
	b = appendOptString(b, "tenant_id", u.TenantID)
	if u.Late {
		b = appendKey(b, ',', "late")
		b = append(b, "true"...)
	}
	return append(b, '}')
}

// AppendJSON appends the state's JSON, byte for byte what json.Marshal
// produces (the KV value's order fields).
func (s State) AppendJSON(b []byte) []byte {
	b = appendKey(b, '{', "order_id")
	b = appendString(b, s.OrderID)
	b = appendKey(b, ',', "status")
	b = appendString(b, string(s.Status))
	for _, t := range []struct {
		key string
		at  *time.Time
	}{{"placed_at", s.PlacedAt}, {"processing_at", s.ProcessingAt}, {"shipped_at", s.ShippedAt},
		{"delivered_at", s.DeliveredAt}, {"cancelled_at", s.CancelledAt}} {
		if t.at != nil {
			b = appendKey(b, ',', t.key)
			b = appendTime(b, *t.at)
		}
	}
	b = appendKey(b, ',', "breaches")
	b = appendStrings(b, s.Breaches)
	b = appendKey(b, ',', "retracted")
	b = appendStrings(b, s.Retracted)
	if len(s.Warnings) > 0 {
		b = appendKey(b, ',', "warnings")
		b = appendWarnings(b, s.Warnings)
	}
	if len(s.Predictions) > 0 {
		b = appendKey(b, ',', "predictions")
		b = appendPredictions(b, s.Predictions)
	}
	b = appendOptString(b, "sla_rule", s.SLARule)
	if !s.Deadlines.IsZero() {
		b = appendKey(b, ',', "deadlines")
		b = s.Deadlines.appendJSON(b)
	}
	b = appendOptString(b, "customer_id", s.CustomerID)
	b = appendOptString(b, "item_name", s.ItemName)
	b = appendOptString(b, "item_category", s.ItemCategory)
	if s.Quantity != 0 {
		b = appendKey(b, ',', "quantity")
		b = strconv.AppendInt(b, int64(s.Quantity), 10)
	}
	if s.Price != 0 {
		b = appendKey(b, ',', "price")
		b = appendFloat(b, s.Price)
	}
	b = appendOptString(b, "tenant_id", s.TenantID)
	b = appendOptString(b, "service_level", s.ServiceLevel)
	b = appendKey(b, ',', "updated_at")
	b = appendTime(b, s.UpdatedAt)
	if !s.Arrived.IsZero() {
		b = appendKey(b, ',', "arrived")
		b = s.Arrived.appendJSON(b)
	}
	if len(s.Rejected) > 0 {
		b = appendKey(b, ',', "rejected")
		b = appendStrings(b, s.Rejected)
	}
	if len(s.EventIDs) > 0 {
		b = appendKey(b, ',', "event_ids")
		b = appendStrings(b, s.EventIDs)
	}
	return append(b, '}')
}

func appendWarnings(b []byte, ws []Warning) []byte {
	for i, w := range ws {
		b = append(b, "[,"[min(i, 1)])
		b = appendKey(b, '{', "sla")
		b = appendString(b, string(w.SLA))
		b = appendKey(b, ',', "threshold")
		b = appendFloat(b, w.Threshold)
		if w.Missed {
			b = append(b, `,"missed":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendPredictions(b []byte, ps []Prediction) []byte {
	for i, p := range ps {
		b = append(b, "[,"[min(i, 1)])
		b = appendKey(b, '{', "sla")
		b = appendString(b, string(p.SLA))
		b = appendKey(b, ',', "at")
		b = appendTime(b, p.At)
		if p.Sent {
			b = append(b, `,"sent":true`...)
		}
		if p.Missed {
			b = append(b, `,"missed":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendOptFloat(b []byte, key string, f float64) []byte {
	if f == 0 {
		return b
	}
	return appendFloat(appendKey(b, ',', key), f)
}

// appendKey appends sep and "key":.
func appendKey(b []byte, sep byte, key string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendOptString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(appendKey(b, ',', key), v)
}

// appendString appends s as a JSON string. Plain ASCII is copied; anything
// encoding/json escapes (quotes, backslashes, control characters, <, >, &,
// non-ASCII) takes encoding/json's own path.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendStrings appends a JSON array of strings; a nil slice is null.
func appendStrings[S ~string](b []byte, ss []S) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(s))
	}
	return append(b, ']')
}

// appendTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds), falling back to it for years it refuses.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		q, _ := json.Marshal(t)
		return append(b, q...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat appends f as encoding/json does for the range it writes
// without an exponent; other values take encoding/json's path.
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a < 1e-6 || a >= 1e21 || math.IsNaN(f) {
		q, _ := json.Marshal(f)
		return append(b, q...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
