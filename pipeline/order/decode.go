package order

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// MaxEventBytes is the largest input event accepted; larger ones are
// dead-lettered as too_large.
const MaxEventBytes = 64 * 1024

// Limits on the optional fields (reason invalid_field past them).
const (
	maxTextLen  = 256
	maxQuantity = 1_000_000
	maxPrice    = 1e9
)

// Reason says why an input event is invalid; it is the Ordertrack-Reason
// header and the last token of the dead-letter subject.
type Reason string

// The reasons of SPEC section 7, in the order they are checked.
const (
	ReasonTooLarge         Reason = "too_large"
	ReasonInvalidJSON      Reason = "invalid_json"
	ReasonMissingOrderID   Reason = "missing_order_id"
	ReasonInvalidOrderID   Reason = "invalid_order_id"
	ReasonSubjectMismatch  Reason = "subject_mismatch"
	ReasonUnknownEventType Reason = "unknown_event_type"
	ReasonInvalidTimestamp Reason = "invalid_timestamp"
	ReasonFutureTimestamp  Reason = "timestamp_in_future"
	ReasonInvalidField     Reason = "invalid_field"
	ReasonMaxDeliveries    Reason = "max_deliveries"
	// ReasonNotifyFailed marks an alert a webhook refused (SPEC section 13).
	ReasonNotifyFailed Reason = "notify_failed"
)

// InvalidError is returned by Decode for input that must be dead-lettered.
type InvalidError struct {
	Reason Reason
	Detail string
}

func (e *InvalidError) Error() string { return string(e.Reason) + ": " + e.Detail }

// Decode parses and validates one input event. subjectID is the order id
// taken from the message subject; arrived is when JetStream stored the
// message (used when the timestamp is absent and for the skew check).
// Invalid input returns an *InvalidError with the first reason that applies.
func Decode(data []byte, subjectID string, arrived time.Time, maxSkew time.Duration) (Event, error) {
	return decode(data, subjectID, false, arrived, maxSkew)
}

// DecodeOwn is Decode of an event that names its own order, with no
// subject to compare it with (an ingest source's record): the order id is
// the event's own, checked as Decode checks it.
func DecodeOwn(data []byte, arrived time.Time, maxSkew time.Duration) (Event, error) {
	return decode(data, "", true, arrived, maxSkew)
}

func decode(data []byte, subjectID string, own bool, arrived time.Time, maxSkew time.Duration) (Event, error) {
	if len(data) > MaxEventBytes {
		return Event{}, invalid(ReasonTooLarge, "event is %d bytes, the limit is %d", len(data), MaxEventBytes)
	}
	// The members are matched by exact name: SPEC section 3 fixes them, and
	// encoding/json would match any case.
	var w fields
	if err := scanObject(data, &w); err != nil {
		return Event{}, invalid(ReasonInvalidJSON, "%v", err)
	}
	e := Event{Arrived: arrived}
	if own {
		subjectID, _ = jsonString(w[keyOrderID])
	}
	if err := decodeOrderID(&e, &w, subjectID); err != nil {
		return Event{}, err
	}
	if err := decodeType(&e, &w); err != nil {
		return Event{}, err
	}
	if err := decodeTimestamp(&e, &w, maxSkew); err != nil {
		return Event{}, err
	}
	if err := decodeFields(&e, &w); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Peek returns an input event's order id and timestamp, read by their
// exact names without validating the rest of the event: "" and the zero
// time when the input is not a JSON object or lacks them.
func Peek(data []byte) (orderID string, at time.Time) {
	var w fields
	if scanObject(data, &w) != nil {
		return "", time.Time{}
	}
	orderID, _ = jsonString(w[keyOrderID])
	if ts, ok := jsonString(w[keyTimestamp]); ok {
		at, _ = time.Parse(time.RFC3339Nano, ts)
	}
	return orderID, at
}

func invalid(r Reason, format string, args ...any) *InvalidError {
	return &InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

func decodeOrderID(e *Event, w *fields, subjectID string) error {
	raw := w[keyOrderID]
	if len(raw) == len(subjectID)+2 && raw[0] == '"' && string(raw[1:len(raw)-1]) == subjectID && ValidOrderID(subjectID) {
		e.OrderID = subjectID // the usual case, without decoding a copy
		return nil
	}
	if len(raw) == 0 || string(raw) == "null" {
		return invalid(ReasonMissingOrderID, "order_id is required")
	}
	id, ok := jsonString(raw)
	if !ok {
		return invalid(ReasonInvalidOrderID, "order_id must be a string, got %s", clip(raw))
	}
	if id == "" {
		return invalid(ReasonMissingOrderID, "order_id is empty")
	}
	if !ValidOrderID(id) {
		return invalid(ReasonInvalidOrderID, "order_id %q must be 1-128 letters, digits, '-' or '_'", clipS(id))
	}
	if id != subjectID {
		return invalid(ReasonSubjectMismatch, "order_id %q does not match the subject's order id %q", id, clipS(subjectID))
	}
	e.OrderID = id
	return nil
}

// ValidOrderID reports whether id is 1-128 letters, digits, '-' or '_'.
func ValidOrderID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

func decodeType(e *Event, w *fields) error {
	raw := w[keyEventType]
	for _, t := range eventTypes { // the usual case, without decoding a copy
		if len(raw) == len(t)+2 && string(raw[1:len(raw)-1]) == string(t) && raw[0] == '"' {
			e.Type = t
			return nil
		}
	}
	t, ok := jsonString(raw)
	if !ok {
		return invalid(ReasonUnknownEventType, "event_type must be one of ORDER_PLACED, PROCESSING_STARTED, ITEM_SHIPPED, ITEM_DELIVERED, ORDER_CANCELLED")
	}
	if _, ok := EventType(t).Stage(); !ok {
		return invalid(ReasonUnknownEventType, "unknown event_type %q", clipS(t))
	}
	e.Type = EventType(t)
	return nil
}

func decodeTimestamp(e *Event, w *fields, maxSkew time.Duration) error {
	raw := w[keyTimestamp]
	if len(raw) == 0 || string(raw) == "null" {
		e.Timestamp = e.Arrived
		return nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return invalid(ReasonInvalidTimestamp, "timestamp must be an RFC 3339 string, got %s", clip(raw))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return invalid(ReasonInvalidTimestamp, "timestamp %q is not RFC 3339", clipS(s))
	}
	if !e.Arrived.IsZero() && t.After(e.Arrived.Add(maxSkew)) {
		return invalid(ReasonFutureTimestamp, "timestamp %s is %s after the event arrived (max skew %s)",
			s, t.Sub(e.Arrived).Round(time.Millisecond), maxSkew)
	}
	e.Timestamp = t.UTC()
	return nil
}

func decodeFields(e *Event, w *fields) error {
	texts := [...]struct {
		key int
		dst *string
	}{
		{keyEventID, &e.EventID}, {keyCustomerID, &e.CustomerID}, {keyItemName, &e.ItemName},
		{keyItemCategory, &e.ItemCategory}, {keyTenantID, &e.TenantID}, {keyServiceLevel, &e.ServiceLevel},
	}
	for _, f := range texts {
		if err := text(eventKeys[f.key], w[f.key], f.dst); err != nil {
			return err
		}
	}
	q, err := number("quantity", w[keyQuantity], 0, maxQuantity)
	if err != nil {
		return err
	}
	if q != math.Trunc(q) {
		return invalid(ReasonInvalidField, "quantity must be a whole number, got %v", q)
	}
	e.Quantity = int(q)
	e.Price, err = number("price", w[keyPrice], 0, maxPrice)
	return err
}

func text(name string, raw []byte, dst *string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	s, ok := jsonString(raw)
	if !ok {
		return invalid(ReasonInvalidField, "%s must be a string, got %s", name, clip(raw))
	}
	if len(s) > maxTextLen {
		return invalid(ReasonInvalidField, "%s is %d bytes, the limit is %d", name, len(s), maxTextLen)
	}
	*dst = s
	return nil
}

func number(name string, raw []byte, lo, hi float64) (float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, invalid(ReasonInvalidField, "%s must be a number, got %s", name, clip(raw))
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || n < lo || n > hi {
		return 0, invalid(ReasonInvalidField, "%s must be between %v and %v, got %s", name, lo, hi, clip(raw))
	}
	return n, nil
}

func clip(b []byte) string { return clipS(string(b)) }

func clipS(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
