package order

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The members Decode reads, as indexes into fields; others are skipped.
const (
	keyEventID = iota
	keyOrderID
	keyCustomerID
	keyEventType
	keyItemName
	keyItemCategory
	keyQuantity
	keyPrice
	keyTimestamp
	keyTenantID
	keyServiceLevel
	numKeys
)

// eventKeys are the exact names of the members Decode reads.
var eventKeys = [numKeys]string{
	keyEventID: "event_id", keyOrderID: "order_id", keyCustomerID: "customer_id",
	keyEventType: "event_type", keyItemName: "item_name", keyItemCategory: "item_category",
	keyQuantity: "quantity", keyPrice: "price", keyTimestamp: "timestamp",
	keyTenantID: "tenant_id", keyServiceLevel: "service_level",
}

var keyIndex = func() map[string]int {
	m := make(map[string]int, numKeys)
	for i, k := range eventKeys {
		m[k] = i
	}
	return m
}()

// fields holds an input event's known members by exact name, as raw JSON
// (nil when absent).
type fields [numKeys][]byte

// set stores a member's raw value if it is a known one (the last one wins).
func (f *fields) set(name []byte, raw []byte) {
	if i, ok := keyIndex[string(name)]; ok {
		f[i] = raw
	}
}

// maxDepth is encoding/json's nesting limit, so that both accept the same
// texts.
const maxDepth = 10000

// scanObject returns the known members of one JSON object, validating the
// whole input as it goes: it accepts exactly what encoding/json.Valid
// accepts (RFC 8259), and then only UTF-8 (RFC 8259 8.1: json.Valid
// accepts any byte inside a string, and decoding would turn it into
// U+FFFD). One pass, no allocation but for an escaped member name. Names
// are matched exactly, unlike encoding/json's case-insensitive matching.
func scanObject(data []byte, f *fields) error {
	s := scanner{d: data}
	s.space()
	object := s.at('{')
	into := f
	if !object {
		into = nil
	}
	if !s.value(into) || !s.end() {
		return errors.New("not valid JSON")
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("not valid UTF-8 at byte %d", invalidUTF8At(data))
	}
	if !object {
		return errors.New("an event must be a JSON object")
	}
	return nil
}

// scanner is a position in a JSON text being validated.
type scanner struct {
	d     []byte
	i     int
	depth int
}

func (s *scanner) at(c byte) bool { return s.i < len(s.d) && s.d[s.i] == c }

func (s *scanner) space() {
	for s.i < len(s.d) && (s.d[s.i] == ' ' || s.d[s.i] == '\t' || s.d[s.i] == '\n' || s.d[s.i] == '\r') {
		s.i++
	}
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.d)
}

// value scans one value; the members of an object go into f when set.
func (s *scanner) value(f *fields) bool {
	if s.i >= len(s.d) {
		return false
	}
	switch c := s.d[s.i]; {
	case c == '{':
		return s.object(f)
	case c == '[':
		return s.array()
	case c == '"':
		return s.str()
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

// enter steps into an object or array, within the nesting limit.
func (s *scanner) enter() bool {
	s.i++
	s.depth++
	s.space()
	return s.depth <= maxDepth
}

// close steps out of an object or array if its closing byte is next.
func (s *scanner) close(c byte) bool {
	if !s.at(c) {
		return false
	}
	s.i++
	s.depth--
	return true
}

func (s *scanner) object(f *fields) bool {
	if !s.enter() {
		return false
	}
	if s.close('}') {
		return true
	}
	for {
		k := s.i
		if !s.at('"') || !s.str() {
			return false
		}
		key := s.d[k:s.i]
		s.space()
		if !s.at(':') {
			return false
		}
		s.i++
		s.space()
		v := s.i
		if !s.value(nil) {
			return false
		}
		if f != nil {
			if name, ok := memberName(key); ok {
				f.set(name, s.d[v:s.i])
			}
		}
		if !s.next() {
			return s.close('}')
		}
	}
}

func (s *scanner) array() bool {
	if !s.enter() {
		return false
	}
	if s.close(']') {
		return true
	}
	for {
		if !s.value(nil) {
			return false
		}
		if !s.next() {
			return s.close(']')
		}
	}
}

// next steps past the comma between two members or elements and reports
// whether one follows; false leaves the scanner before what is next.
func (s *scanner) next() bool {
	s.space()
	if !s.at(',') {
		return false
	}
	s.i++
	s.space()
	return true
}

// str scans a string: no control character, only JSON's escapes.
func (s *scanner) str() bool {
	d := s.d
	for j := s.i + 1; j < len(d); j++ {
		switch c := d[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(d) {
				return false
			}
			switch d[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(d) || !hex4(d[j+1:j+5]) {
					return false
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

func hex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	d, i := s.d, s.i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if i = digits(d, i+1); d[i-1] == '.' {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

func (s *scanner) literal(word string) bool {
	if len(s.d)-s.i < len(word) || string(s.d[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// invalidUTF8At returns the offset of the first byte that is not valid UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// memberName decodes a quoted member name, unescaping it only when needed.
func memberName(quoted []byte) ([]byte, bool) {
	raw := quoted[1 : len(quoted)-1]
	for _, c := range raw {
		if c == '\\' {
			var s string
			err := json.Unmarshal(quoted, &s)
			return []byte(s), err == nil
		}
	}
	return raw, true
}

// jsonString decodes a JSON string value without allocating an
// intermediate when it has no escapes.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			var s string
			err := json.Unmarshal(raw, &s)
			return s, err == nil
		}
	}
	return string(body), true
}
