package order

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzScanObject checks the hand-written member scanner against
// encoding/json: for every valid JSON object, each known member's raw value
// is the one encoding/json finds under that exact name (last one wins).
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{
		`{"order_id":"ORD-1","event_type":"ORDER_PLACED"}`,
		`{ "order_id" : "A" , "x": {"order_id": "nested", "a": [1, "}", {"b": "]"}]}, "quantity": 2 }`,
		`{"order_id":"first","order_id":"second"}`,
		`{"order\u005fid":"escaped-name","price":-1.5e3,"tenant_id":null,"item_name":"a\"b\\c"}`,
		`{"ORDER_ID":"upper"}`, `[]`, `null`, `{}`, `{"a":"\\"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got fields
		err := scanObject(data, &got)
		var ref map[string]json.RawMessage
		refErr := json.Unmarshal(data, &ref)
		if refErr != nil || ref == nil {
			if err == nil && json.Valid(data) && !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
				t.Fatalf("non-object %q accepted", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid object %q rejected: %v", data, err)
		}
		exact := exactMembers(t, data)
		for i, k := range eventKeys {
			want, ok := exact[k]
			if ok != (got[i] != nil) || ok && !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got[i])) {
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
