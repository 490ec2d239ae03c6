package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// unixMillisFrom is the smallest Unix time read as milliseconds: a number
// below it is seconds (SPEC section 16; 10^11 s is the year 5138, 10^11 ms
// is March 1973).
const unixMillisFrom = 100_000_000_000

// Mapper applies one ingest.mapping. Build it with New; it is safe for
// concurrent use.
type Mapper struct {
	set    bool
	fields []field
	types  map[string]order.EventType // nil: event_type values are taken as they are
}

// field is one section 3 field and its path into the source's JSON.
type field struct {
	name string
	kind kind
	path []string
}

// kind says how a field's value is carried over.
type kind int

const (
	kindText      kind = iota // a string; a number is written as its text
	kindNumber                // a number; a numeric string is written as a number
	kindTimestamp             // RFC 3339 text, or Unix seconds/milliseconds
	kindType                  // event_type, through event_types when set
)

// kinds are the fields that are not plain text.
var kinds = map[string]kind{"quantity": kindNumber, "price": kindNumber, "timestamp": kindTimestamp, "event_type": kindType}

// New builds the Mapper of m. A path left "" is the field's own section 3
// name. The configuration is assumed valid (config.Config.Validate).
func New(m config.Mapping) *Mapper {
	x := &Mapper{set: m.Set()}
	for _, p := range m.Paths() {
		path := p.Path
		if path == "" {
			path = p.Field
		}
		x.fields = append(x.fields, field{name: p.Field, kind: kinds[p.Field], path: strings.Split(path, ".")})
	}
	if len(m.EventTypes) > 0 {
		x.types = make(map[string]order.EventType, len(m.EventTypes))
		for _, v := range m.EventTypes {
			x.types[v.Value] = order.EventType(v.EventType)
		}
	}
	return x
}

// identity maps section 3's names onto themselves: an unmapped event
// without its own event_id is rebuilt through it.
var identity = func() *Mapper {
	x := New(config.Mapping{})
	x.set = true
	return x
}()

// Set reports whether a mapping is configured; without one Map returns the
// source's JSON unchanged.
func (x *Mapper) Set() bool { return x.set }

// Prepared is a source record made ready to store: section 3's JSON with
// its event_id, and the event order.Decode read from it.
type Prepared struct {
	Data  []byte
	Event order.Event
}

// Prepare maps src, validates the result with order.Decode (arrived and
// maxSkew as the pipeline passes them) and makes sure the event has an
// event_id: the source's own, else derivedID (kafka:<topic>:<partition>:
// <offset>, http:<sha256>, ...). Without a mapping and with the source's
// own event_id, Data is src itself. An invalid record returns an
// *order.InvalidError whose reason the caller dead-letters with src.
func (x *Mapper) Prepare(src []byte, derivedID string, arrived time.Time, maxSkew time.Duration) (Prepared, error) {
	data, err := x.Map(src, derivedID)
	if err != nil {
		return Prepared{}, err
	}
	ev, err := decode(data, arrived, maxSkew)
	if err != nil {
		return Prepared{}, err
	}
	if ev.EventID == "" {
		// Only unmapped input gets here (Map fills event_id): rebuild it
		// with the derived id, the rest as it was.
		if data, err = identity.Map(src, derivedID); err != nil {
			return Prepared{}, err
		}
		if ev, err = decode(data, arrived, maxSkew); err != nil {
			return Prepared{}, err
		}
	}
	return Prepared{Data: data, Event: ev}, nil
}

// decode is order.Decode of an event that names its own order (no subject
// to compare it with).
func decode(data []byte, arrived time.Time, maxSkew time.Duration) (order.Event, error) {
	return order.DecodeOwn(data, arrived, maxSkew)
}

// Map returns section 3's JSON for the source's JSON src: each field read
// at its path (a field whose path is absent is left out, and order.Decode
// then says what is missing), event_type through event_types, a Unix
// timestamp as RFC 3339, an id given as a number as its text, a price or
// quantity given as numeric text as a number, and event_id derivedID when
// the source has none. Without a mapping it returns src unchanged. Errors
// are *order.InvalidError: too_large, invalid_json (src is not a JSON
// object), unknown_event_type (a value event_types does not list),
// invalid_timestamp (a Unix time out of range).
func (x *Mapper) Map(src []byte, derivedID string) ([]byte, error) {
	if len(src) > order.MaxEventBytes {
		return nil, invalid(order.ReasonTooLarge, "event is %d bytes, the limit is %d", len(src), order.MaxEventBytes)
	}
	if !x.set {
		return src, nil
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(src) + len(derivedID) + 16)
	out.WriteByte('{')
	for _, f := range x.fields {
		v, ok := lookup(root, f.path)
		if f.name == "event_id" && (!ok || v == nil || v == "") {
			v, ok = derivedID, derivedID != ""
		}
		if !ok || v == nil {
			continue
		}
		if v, err = x.convert(f, v); err != nil {
			return nil, err
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		writeMember(&out, f.name, v)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// parse decodes src as a JSON object, numbers kept as json.Number.
func parse(src []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(src))
	d.UseNumber()
	var root map[string]any
	if err := d.Decode(&root); err != nil || root == nil {
		if err == nil {
			err = errors.New("the event is null, not an object")
		}
		return nil, invalid(order.ReasonInvalidJSON, "%v", err)
	}
	if _, err := d.Token(); err == nil {
		return nil, invalid(order.ReasonInvalidJSON, "data after the event's object")
	}
	return root, nil
}

// lookup follows path through nested objects.
func lookup(root map[string]any, path []string) (any, bool) {
	var v any = root
	for _, name := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

// convert carries one value over as its field wants it. A value of a
// kind it cannot convert is kept as it is, for order.Decode to judge.
func (x *Mapper) convert(f field, v any) (any, error) {
	switch f.kind {
	case kindText:
		if n, ok := v.(json.Number); ok {
			return n.String(), nil
		}
	case kindNumber:
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
				return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), nil
			}
		}
	case kindTimestamp:
		if n, ok := v.(json.Number); ok {
			return unixTime(n)
		}
	case kindType:
		return x.eventType(v)
	}
	return v, nil
}

// eventType looks a type value up in event_types (a number by its text).
func (x *Mapper) eventType(v any) (any, error) {
	if x.types == nil {
		return v, nil
	}
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return nil, invalid(order.ReasonUnknownEventType, "the event type must be a string or a number listed in ingest.mapping.event_types")
	}
	t, ok := x.types[s]
	if !ok {
		return nil, invalid(order.ReasonUnknownEventType, "event type value %q is not listed in ingest.mapping.event_types", clip(s))
	}
	return string(t), nil
}

// unixTime reads a Unix time in seconds (below 10^11) or milliseconds as
// RFC 3339 in UTC, exactly to the nanosecond (decimal text, not a float).
func unixTime(n json.Number) (string, error) {
	r, ok := new(big.Rat).SetString(n.String())
	if !ok || r.Sign() < 0 || r.Cmp(maxUnix) >= 0 {
		return "", invalid(order.ReasonInvalidTimestamp, "timestamp %s is not a Unix time in seconds or milliseconds", clip(n.String()))
	}
	perUnit := big.NewRat(1e9, 1) // seconds
	if r.Cmp(big.NewRat(unixMillisFrom, 1)) >= 0 {
		perUnit = big.NewRat(1e6, 1)
	}
	ns := r.Mul(r, perUnit)
	whole := new(big.Int).Quo(ns.Num(), ns.Denom()) // below a nanosecond is dropped
	sec, nsec := whole.QuoRem(whole, big.NewInt(1e9), new(big.Int))
	return time.Unix(sec.Int64(), nsec.Int64()).UTC().Format(time.RFC3339Nano), nil
}

// maxUnix is the first Unix time in milliseconds past the year 9999, which
// RFC 3339 cannot write.
var maxUnix = big.NewRat(253_402_300_800_000, 1)

// writeMember writes "name":value; strings escaped as JSON without HTML
// escaping, numbers as written.
func writeMember(out *bytes.Buffer, name string, v any) {
	out.WriteByte('"')
	out.WriteString(name)
	out.WriteString(`":`)
	e := json.NewEncoder(out)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)             // values came from encoding/json: they encode
	out.Truncate(out.Len() - 1) // Encode's newline
}

func invalid(r order.Reason, format string, args ...any) *order.InvalidError {
	return &order.InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
