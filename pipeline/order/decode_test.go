package order

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// decodeArrived is when JetStream stored the test messages.
var decodeArrived = time.Date(2024, 1, 1, 10, 0, 5, 0, time.UTC)

// decodeSkew is the sla.max_clock_skew of the decode tests.
const decodeSkew = time.Minute

// specExample is the input event of SPEC section 3.
const specExample = `{"event_id": "e-81f2", "order_id": "ORD-001234", "customer_id": "CUST-5678",
 "event_type": "ORDER_PLACED", "item_name": "Blue Jeans", "item_category": "Pants",
 "quantity": 2, "price": 79.99, "timestamp": "2024-01-01T10:00:00Z", "tenant_id": "acme"}`

// ev is a minimal valid event of ORD-1 with extra JSON members appended.
func ev(extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return `{"order_id":"ORD-1","event_type":"ORDER_PLACED"` + extra + `}`
}

func TestDecode(t *testing.T) {
	id128 := strings.Repeat("a", 120) + "-B_3-4_5"
	tests := []struct {
		name    string
		data    string
		subject string // default ORD-1
		want    Event
	}{
		{
			name: "SPEC example", data: specExample, subject: "ORD-001234",
			want: Event{EventID: "e-81f2", OrderID: "ORD-001234", CustomerID: "CUST-5678", Type: OrderPlaced,
				ItemName: "Blue Jeans", ItemCategory: "Pants", Quantity: 2, Price: 79.99,
				Timestamp: t0, TenantID: "acme", Arrived: decodeArrived},
		},
		{name: "service level", data: ev(`"service_level":"express","Service_Level":"standard"`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived, ServiceLevel: "express"}},
		{name: "absent timestamp uses arrival", data: ev(""),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "null timestamp uses arrival", data: ev(`"timestamp":null`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "fractional seconds preserved", data: ev(`"timestamp":"2024-01-01T10:00:00.123456789Z"`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: t0.Add(123456789), Arrived: decodeArrived}},
		{name: "offset timestamp", data: ev(`"timestamp":"2024-01-01T11:00:00.5+01:00"`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: t0.Add(500 * time.Millisecond), Arrived: decodeArrived}},
		{name: "timestamp at the max skew", data: ev(`"timestamp":"2024-01-01T10:01:05Z"`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived.Add(decodeSkew), Arrived: decodeArrived}},
		{name: "old timestamp", data: ev(`"timestamp":"2020-02-29T00:00:00Z"`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), Arrived: decodeArrived}},
		{name: "unknown fields ignored", data: ev(`"warehouse":{"id":[1,2]},"priority":true,"note":null`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "null optional fields", data: ev(`"event_id":null,"customer_id":null,"quantity":null,"price":null`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "zero quantity and price", data: ev(`"quantity":0,"price":0`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "whole quantity written as float", data: ev(`"quantity":3.0,"price":1e2`),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, Quantity: 3, Price: 100, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "128-character order id", data: `{"order_id":"` + id128 + `","event_type":"ITEM_SHIPPED"}`, subject: id128,
			want: Event{OrderID: id128, Type: ItemShipped, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "one-character order id", data: `{"order_id":"7","event_type":"ORDER_CANCELLED"}`, subject: "7",
			want: Event{OrderID: "7", Type: OrderCancelled, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "surrounding whitespace", data: "\n\t " + ev(`"event_type":"ITEM_DELIVERED"`) + " \r\n",
			want: Event{OrderID: "ORD-1", Type: ItemDelivered, Timestamp: decodeArrived, Arrived: decodeArrived}},
		{name: "event at the size limit", data: ev(`"item_name":"x"`) + strings.Repeat(" ", MaxEventBytes-len(ev(`"item_name":"x"`))),
			want: Event{OrderID: "ORD-1", Type: OrderPlaced, ItemName: "x", Timestamp: decodeArrived, Arrived: decodeArrived}},
	}
	for _, typ := range fuzzTypes {
		tests = append(tests, struct {
			name    string
			data    string
			subject string
			want    Event
		}{name: "type " + string(typ), data: `{"order_id":"ORD-1","event_type":"` + string(typ) + `","timestamp":"2024-01-01T10:00:00Z"}`,
			want: Event{OrderID: "ORD-1", Type: typ, Timestamp: t0, Arrived: decodeArrived}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject := tt.subject
			if subject == "" {
				subject = "ORD-1"
			}
			got, err := Decode([]byte(tt.data), subject, decodeArrived, decodeSkew)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !got.Timestamp.Equal(tt.want.Timestamp) || got.Timestamp.Location() != time.UTC {
				t.Errorf("timestamp %v, want %v in UTC", got.Timestamp, tt.want.Timestamp)
			}
			got.Timestamp = tt.want.Timestamp
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode:\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tooLong := strings.Repeat("a", 129)
	tests := []struct {
		name    string
		data    string
		subject string // default ORD-1
		want    Reason
	}{
		// too_large is checked first, before the JSON is read.
		{"too large garbage", strings.Repeat("x", MaxEventBytes+1), "", ReasonTooLarge},
		{"too large valid event", ev(`"item_name":"x"`) + strings.Repeat(" ", MaxEventBytes), "", ReasonTooLarge},
		{"too large without order id", `{"event_type":"` + strings.Repeat("X", MaxEventBytes) + `"}`, "", ReasonTooLarge},

		{"empty input", "", "", ReasonInvalidJSON},
		{"whitespace only", "  \n", "", ReasonInvalidJSON},
		{"truncated object", `{"order_id":"ORD-1","event_type":"ORDER_PLACED"`, "", ReasonInvalidJSON},
		{"not JSON", `order_id=ORD-1`, "", ReasonInvalidJSON},
		{"trailing comma", `{"order_id":"ORD-1","event_type":"ORDER_PLACED",}`, "", ReasonInvalidJSON},
		{"single quotes", `{'order_id':'ORD-1'}`, "", ReasonInvalidJSON},
		{"two objects", ev("") + ev(""), "", ReasonInvalidJSON},
		{"trailing garbage", ev("") + " x", "", ReasonInvalidJSON},
		{"array", `[{"order_id":"ORD-1","event_type":"ORDER_PLACED"}]`, "", ReasonInvalidJSON},
		{"string", `"ORD-1"`, "", ReasonInvalidJSON},
		{"number", `42`, "", ReasonInvalidJSON},
		{"boolean", `true`, "", ReasonInvalidJSON},
		{"broken JSON without order id", `{"event_type":`, "", ReasonInvalidJSON},

		// A missing order_id is missing_order_id, not subject_mismatch, whatever else is wrong.
		{"empty object", `{}`, "", ReasonMissingOrderID},
		{"no order id", `{"event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`, "", ReasonMissingOrderID},
		{"no order id and everything else wrong", `{"event_type":"NOPE","timestamp":"never","quantity":-1}`, "", ReasonMissingOrderID},
		{"null order id", `{"order_id":null,"event_type":"ORDER_PLACED"}`, "", ReasonMissingOrderID},
		{"empty order id", `{"order_id":"","event_type":"ORDER_PLACED"}`, "", ReasonMissingOrderID},

		{"numeric order id", `{"order_id":1234,"event_type":"ORDER_PLACED"}`, "1234", ReasonInvalidOrderID},
		{"boolean order id", `{"order_id":true,"event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"object order id", `{"order_id":{"id":"ORD-1"},"event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"array order id", `{"order_id":["ORD-1"],"event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"space in order id", `{"order_id":"ORD 1","event_type":"ORDER_PLACED"}`, "ORD 1", ReasonInvalidOrderID},
		{"dot in order id", `{"order_id":"ORD.1","event_type":"ORDER_PLACED"}`, "ORD.1", ReasonInvalidOrderID},
		{"wildcard in order id", `{"order_id":"ORD-*","event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"slash in order id", `{"order_id":"ORD/1","event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"non-ASCII letter in order id", `{"order_id":"ÖRD-1","event_type":"ORDER_PLACED"}`, "ÖRD-1", ReasonInvalidOrderID},
		{"newline in order id", `{"order_id":"ORD-1\n","event_type":"ORDER_PLACED"}`, "", ReasonInvalidOrderID},
		{"129-character order id", `{"order_id":"` + tooLong + `","event_type":"ORDER_PLACED"}`, tooLong, ReasonInvalidOrderID},
		{"bad order id and bad type", `{"order_id":"a b","event_type":"NOPE"}`, "", ReasonInvalidOrderID},

		{"other order", ev(""), "ORD-2", ReasonSubjectMismatch},
		{"case differs", `{"order_id":"ord-1","event_type":"ORDER_PLACED"}`, "ORD-1", ReasonSubjectMismatch},
		{"subject is another valid id", ev(""), "-", ReasonSubjectMismatch},
		{"mismatch and bad type", `{"order_id":"ORD-2","event_type":"NOPE","timestamp":"never"}`, "", ReasonSubjectMismatch},

		{"missing type", `{"order_id":"ORD-1"}`, "", ReasonUnknownEventType},
		{"null type", `{"order_id":"ORD-1","event_type":null}`, "", ReasonUnknownEventType},
		{"empty type", `{"order_id":"ORD-1","event_type":""}`, "", ReasonUnknownEventType},
		{"lower-case type", `{"order_id":"ORD-1","event_type":"order_placed"}`, "", ReasonUnknownEventType},
		{"output type", `{"order_id":"ORD-1","event_type":"ORDER_CONFIRMED"}`, "", ReasonUnknownEventType},
		{"stage name as type", `{"order_id":"ORD-1","event_type":"SHIPPED"}`, "", ReasonUnknownEventType},
		{"numeric type", `{"order_id":"ORD-1","event_type":1}`, "", ReasonUnknownEventType},
		{"unknown type and bad timestamp", `{"order_id":"ORD-1","event_type":"NOPE","timestamp":"never","price":"x"}`, "", ReasonUnknownEventType},

		{"words", ev(`"timestamp":"yesterday"`), "", ReasonInvalidTimestamp},
		{"empty timestamp", ev(`"timestamp":""`), "", ReasonInvalidTimestamp},
		{"date only", ev(`"timestamp":"2024-01-01"`), "", ReasonInvalidTimestamp},
		{"space separator", ev(`"timestamp":"2024-01-01 10:00:00Z"`), "", ReasonInvalidTimestamp},
		{"no zone", ev(`"timestamp":"2024-01-01T10:00:00"`), "", ReasonInvalidTimestamp},
		{"month 13", ev(`"timestamp":"2024-13-01T10:00:00Z"`), "", ReasonInvalidTimestamp},
		{"epoch seconds", ev(`"timestamp":1704103200`), "", ReasonInvalidTimestamp},
		{"object timestamp", ev(`"timestamp":{}`), "", ReasonInvalidTimestamp},
		{"bad timestamp and bad field", ev(`"timestamp":"soon","quantity":-1`), "", ReasonInvalidTimestamp},

		{"just past the max skew", ev(`"timestamp":"2024-01-01T10:01:05.000000001Z"`), "", ReasonFutureTimestamp},
		{"next year", ev(`"timestamp":"2025-01-01T10:00:00Z"`), "", ReasonFutureTimestamp},
		{"future in another zone", ev(`"timestamp":"2024-01-01T13:00:00+02:00"`), "", ReasonFutureTimestamp},
		{"future and bad field", ev(`"timestamp":"2030-01-01T00:00:00Z","price":-5`), "", ReasonFutureTimestamp},

		{"negative quantity", ev(`"quantity":-1`), "", ReasonInvalidField},
		{"fractional quantity", ev(`"quantity":2.5`), "", ReasonInvalidField},
		{"string quantity", ev(`"quantity":"2"`), "", ReasonInvalidField},
		{"boolean quantity", ev(`"quantity":true`), "", ReasonInvalidField},
		{"negative price", ev(`"price":-0.01`), "", ReasonInvalidField},
		{"string price", ev(`"price":"79.99"`), "", ReasonInvalidField},
		{"object price", ev(`"price":{"amount":1}`), "", ReasonInvalidField},
		{"numeric event id", ev(`"event_id":7`), "", ReasonInvalidField},
		{"numeric customer id", ev(`"customer_id":5678`), "", ReasonInvalidField},
		{"array item name", ev(`"item_name":["Blue Jeans"]`), "", ReasonInvalidField},
		{"boolean item category", ev(`"item_category":false`), "", ReasonInvalidField},
		{"object tenant id", ev(`"tenant_id":{}`), "", ReasonInvalidField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject := tt.subject
			if subject == "" {
				subject = "ORD-1"
			}
			got, err := Decode([]byte(tt.data), subject, decodeArrived, decodeSkew)
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("Decode = %+v, %v; want *InvalidError %s", got, err, tt.want)
			}
			if ie.Reason != tt.want {
				t.Errorf("reason %s (%v), want %s", ie.Reason, err, tt.want)
			}
			if ie.Detail == "" || !strings.HasPrefix(err.Error(), string(tt.want)+": ") {
				t.Errorf("error %q: want %q followed by a human explanation", err, tt.want)
			}
			if !reflect.DeepEqual(got, Event{}) {
				t.Errorf("invalid input returned an event: %+v", got)
			}
		})
	}
}

// decodeReasons are the reasons Decode may return (max_deliveries is the
// pipeline's, never Decode's).
var decodeReasons = map[Reason]bool{
	ReasonTooLarge: true, ReasonInvalidJSON: true, ReasonMissingOrderID: true, ReasonInvalidOrderID: true,
	ReasonSubjectMismatch: true, ReasonUnknownEventType: true, ReasonInvalidTimestamp: true,
	ReasonFutureTimestamp: true, ReasonInvalidField: true,
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		specExample, ev(""), ev(`"timestamp":"2024-01-01T10:00:00.123456789Z"`),
		ev(`"timestamp":"2030-01-01T00:00:00Z"`), ev(`"quantity":-1`), ev(`"price":"x"`),
		`{"order_id":1}`, `{"order_id":"a b"}`, `{"event_type":"ORDER_PLACED"}`, `{"order_id":"ORD-1"}`,
		`[]`, `null`, `"x"`, `{`, ``, ev("") + "}", ev(`"price":1e400`), ev(`"ORDER_ID":"ORD-2"`),
		`{"order_id":"ORD-1","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00+25:00"}`,
		`{"order_id":"ORD-1\u0000","event_type":"ITEM_SHIPPED"}`,
	} {
		f.Add([]byte(s), "ORD-1", uint32(60))
	}
	// Invalid UTF-8 inside strings; more under testdata/fuzz/FuzzDecode.
	f.Add([]byte("{\"order_id\":\"ORD-1\",\"event_type\":\"ORDER_PLACED\",\"item_name\":\"\xff\"}"), "ORD-1", uint32(60))
	f.Add([]byte(specExample), "ORD-001234", uint32(0))
	f.Add([]byte(`{"order_id":"ORD-1","event_type":"ITEM_DELIVERED"}`), "ORD-2", uint32(1<<31))

	f.Fuzz(func(t *testing.T, data []byte, subject string, skewSeconds uint32) {
		skew := time.Duration(skewSeconds) * time.Second
		e, err := Decode(data, subject, decodeArrived, skew)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not *InvalidError", err, err)
			}
			if !decodeReasons[ie.Reason] {
				t.Fatalf("unknown reason %q", ie.Reason)
			}
			if (len(data) > MaxEventBytes) != (ie.Reason == ReasonTooLarge) {
				t.Fatalf("%d bytes gave reason %s", len(data), ie.Reason)
			}
			if ie.Detail == "" {
				t.Fatalf("reason %s without explanation", ie.Reason)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8 %q", data)
		}
		for _, s := range []string{e.EventID, e.CustomerID, e.ItemName, e.ItemCategory, e.TenantID} {
			// U+FFFD only where the input wrote it, literally or escaped.
			in := string(data)
			if strings.ContainsRune(s, utf8.RuneError) && !strings.ContainsRune(in, utf8.RuneError) && !strings.Contains(in, `\u`) {
				t.Fatalf("decoded %q has U+FFFD the input %q did not have", s, data)
			}
		}
		if !ValidOrderID(e.OrderID) || e.OrderID != subject {
			t.Fatalf("decoded order id %q for subject %q", e.OrderID, subject)
		}
		if _, ok := e.Type.Stage(); !ok {
			t.Fatalf("decoded unknown type %q", e.Type)
		}
		if !e.Arrived.Equal(decodeArrived) || e.Timestamp.After(decodeArrived.Add(skew)) {
			t.Fatalf("decoded timestamp %v arrived %v with skew %v", e.Timestamp, e.Arrived, skew)
		}
		if e.Quantity < 0 || e.Price < 0 {
			t.Fatalf("decoded negative quantity or price: %+v", e)
		}
	})
}

// TestDecodeStrictJSON pins the reasons for JSON that encoding/json alone
// would accept or misclassify.
func TestDecodeStrictJSON(t *testing.T) {
	arrived := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     Reason
	}{
		{"extra closing brace", `{"order_id":"ORD-1","event_type":"ORDER_PLACED"}}`, ReasonInvalidJSON},
		{"trailing bracket", `{"order_id":"ORD-1","event_type":"ORDER_PLACED"}]`, ReasonInvalidJSON},
		{"null", `null`, ReasonInvalidJSON},
		{"array", `[]`, ReasonInvalidJSON},
		{"price out of float range", `{"order_id":"ORD-1","event_type":"ORDER_PLACED","price":1e400}`, ReasonInvalidField},
		{"quantity out of range", `{"order_id":"ORD-1","event_type":"ORDER_PLACED","quantity":1e309}`, ReasonInvalidField},
		{"upper-case field name is unknown", `{"ORDER_ID":"ORD-1","event_type":"ORDER_PLACED"}`, ReasonMissingOrderID},
		{"mixed-case event_type name is unknown", `{"order_id":"ORD-1","Event_Type":"ORDER_PLACED"}`, ReasonUnknownEventType},
		// RFC 8259 8.1: JSON text is UTF-8; encoding/json.Valid does not check it.
		{"invalid UTF-8 in a used string", "{\"order_id\":\"ORD-1\",\"event_type\":\"ORDER_PLACED\",\"item_name\":\"Jeans \xff\"}", ReasonInvalidJSON},
		{"invalid UTF-8 in an unknown member", "{\"order_id\":\"ORD-1\",\"event_type\":\"ORDER_PLACED\",\"note\":\"\xc3\x28\"}", ReasonInvalidJSON},
		{"invalid UTF-8 in a member name", "{\"order_id\":\"ORD-1\",\"event_type\":\"ORDER_PLACED\",\"\xed\xa0\x80\":1}", ReasonInvalidJSON},
		{"truncated UTF-8 sequence", "{\"order_id\":\"ORD-1\",\"event_type\":\"ORDER_PLACED\",\"customer_id\":\"\xe2\x82\"}", ReasonInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in), "ORD-1", arrived, time.Minute)
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Reason != tt.want {
				t.Fatalf("Decode(%s) = %v, want reason %s", tt.in, err, tt.want)
			}
		})
	}
}

// TestPeek reads the order id and timestamp by exact name, the last one
// winning, and nothing from input that is not a JSON object.
func TestPeek(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 123e6, time.UTC)
	for _, tt := range []struct {
		data   string
		id     string
		wantAt time.Time
	}{
		{`{"order_id":"ORD-1","timestamp":"2026-03-02T10:00:00.123Z"}`, "ORD-1", at},
		{`{"ORDER_ID":"ORD-1","order_id":"ORD-\u0032"}`, "ORD-2", time.Time{}},
		{`{"order_id":"ORD-1","timestamp":"yesterday"}`, "ORD-1", time.Time{}},
		{`{"order_id":"ORD-1"`, "", time.Time{}},
		{`["order_id"]`, "", time.Time{}},
	} {
		id, at := Peek([]byte(tt.data))
		if id != tt.id || !at.Equal(tt.wantAt) {
			t.Errorf("Peek(%s) = %q %v, want %q %v", tt.data, id, at, tt.id, tt.wantAt)
		}
	}
}
