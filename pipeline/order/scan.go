package order

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// eventKeys are the members Decode reads; others are skipped unparsed.
var eventKeys = [...]string{
	"event_id", "order_id", "customer_id", "event_type", "item_name",
	"item_category", "quantity", "price", "timestamp", "tenant_id", "service_level",
}

// fields holds an input event's known members by exact name, as raw JSON
// (nil when absent).
type fields [len(eventKeys)][]byte

// get returns the raw value of a member.
func (f *fields) get(name string) []byte {
	for i, k := range eventKeys {
		if k == name {
			return f[i]
		}
	}
	return nil
}

// set stores a member's raw value if it is a known one.
func (f *fields) set(name []byte, raw []byte) {
	for i, k := range eventKeys {
		if k == string(name) {
			f[i] = raw
			return
		}
	}
}

// scanObject returns the known members of one JSON object. It validates the
// whole input first (json.Valid and utf8.Valid, no allocation), so the scan itself can rely
// on well-formed JSON; it allocates only for the members it keeps. Names are
// matched exactly, unlike encoding/json's case-insensitive matching.
func scanObject(data []byte, f *fields) error {
	if !json.Valid(data) {
		return errors.New("not valid JSON")
	}
	// RFC 8259 8.1: JSON text is UTF-8. json.Valid accepts any byte inside
	// a string, and decoding would turn it into U+FFFD.
	if !utf8.Valid(data) {
		return fmt.Errorf("not valid UTF-8 at byte %d", invalidUTF8At(data))
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errors.New("an event must be a JSON object")
	}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		kEnd := stringEnd(data, i)
		key := data[i+1 : kEnd-1]
		i = skipSpace(data, kEnd)
		i = skipSpace(data, i+1) // past ':'
		vEnd := valueEnd(data, i)
		if name, ok := memberName(key); ok {
			f.set(name, data[i:vEnd])
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return nil
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

// memberName decodes a member name, unescaping it only when needed.
func memberName(raw []byte) ([]byte, bool) {
	for _, c := range raw {
		if c == '\\' {
			s, err := strconv.Unquote(`"` + string(raw) + `"`)
			return []byte(s), err == nil
		}
	}
	return raw, true
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at d[i] == '"'.
func stringEnd(d []byte, i int) int {
	for j := i + 1; j < len(d); j++ {
		switch d[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(d)
}

// valueEnd returns the index just past the value starting at d[i].
func valueEnd(d []byte, i int) int {
	switch d[i] {
	case '"':
		return stringEnd(d, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				j = stringEnd(d, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(d)
	}
	j := i
	for j < len(d) && d[j] != ',' && d[j] != '}' && d[j] != ']' && d[j] != ' ' && d[j] != '\t' && d[j] != '\n' && d[j] != '\r' {
		j++
	}
	return j
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
