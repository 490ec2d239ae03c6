package order

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanObject checks the hand-written scanner against encoding/json: it
// accepts exactly the valid UTF-8 JSON objects (json.Valid), and each known
// member's raw value is the one encoding/json finds under that exact name
// (the last one wins).
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{
		`{"order_id":"ORD-1","event_type":"ORDER_PLACED"}`,
		`{ "order_id" : "A" , "x": {"order_id": "nested", "a": [1, "}", {"b": "]"}]}, "quantity": 2 }`,
		`{"order_id":"first","order_id":"second"}`,
		`{"order\u005fid":"escaped-name","price":-1.5e3,"tenant_id":null,"item_name":"a\"b\\c"}`,
		`{"ORDER_ID":"upper"}`, `[]`, `null`, `{}`, `{"a":"\\"}`, ` {"a":[]} `, `{"a":[1,]}`, `{"a":1,}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":1E+2}`, `{"a":-0.0e-7}`, `{"a":+1}`,
		`{"a":NaN}`, `{"a":tru}`, `{"a":true}x`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, "{\"a\":\"\x01\"}",
		`{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`, "{\"a\":1}\x00", `{"a":"\/\b\f\n\r\t\uD83D\uDE00"}`,
		"{\"a\":\"\xff\"}", `{"a":{"b":{"c":[[[]]]}}}`, `{"a":1}}`, `{"a":[}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)))
	f.Add([]byte(`{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`))
	f.Add([]byte(`{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got fields
		err := scanObject(data, &got)
		object := bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
		if want := json.Valid(data) && utf8.Valid(data) && object; (err == nil) != want {
			t.Fatalf("scanObject(%q) = %v; json.Valid %v, utf8.Valid %v, object %v", data, err, json.Valid(data), utf8.Valid(data), object)
		}
		if err != nil {
			return
		}
		exact := exactMembers(t, data)
		for i, k := range eventKeys {
			want, ok := exact[k]
			if ok != (got[i] != nil) || ok && !bytes.Equal(want, got[i]) {
				t.Fatalf("member %s of %q: scanner %q, encoding/json %q (present %v)", k, data, got[i], want, ok)
			}
		}
	})
}

// exactMembers decodes the top-level members of an object by exact name
// with encoding/json's tokenizer (last one wins).
func exactMembers(t *testing.T, data []byte) map[string]json.RawMessage {
	d := json.NewDecoder(bytes.NewReader(data))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out[tok.(string)] = v
	}
	return out
}
