package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// pathError is a problem inside a list or map value: path continues the
// key, as in "[0].formt" for notify.webhooks[0].formt.
type pathError struct {
	path   string
	reason string
}

func (e *pathError) Error() string { return e.path + ": " + e.reason }

// atPath prefixes the path of err (a *pathError or any error) with p.
func atPath(p string, err error) error {
	if pe, ok := err.(*pathError); ok {
		return &pathError{path: p + pe.path, reason: pe.reason}
	}
	return &pathError{path: p, reason: err.Error()}
}

// elementDefaults gives the starting value of list elements whose unset
// fields have defaults (a webhook's format, events and timeout).
var elementDefaults = map[reflect.Type]func() any{}

// convertNested decodes a YAML list or map into a slice, map or struct
// type, converting every leaf with convert and naming unknown keys by
// their path.
func convertNested(t reflect.Type, raw any) (any, error) {
	v, err := decodeNested(t, raw)
	if err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

func decodeNested(t reflect.Type, raw any) (reflect.Value, error) {
	switch t.Kind() {
	case reflect.Slice:
		return decodeSlice(t, raw)
	case reflect.Map:
		return decodeMap(t, raw)
	case reflect.Struct:
		return decodeStruct(t, raw)
	}
	x, err := convert(t, raw)
	if err != nil {
		return reflect.Value{}, err
	}
	return reflect.ValueOf(x).Convert(t), nil
}

func decodeSlice(t reflect.Type, raw any) (reflect.Value, error) {
	if empty(raw) {
		return reflect.Zero(t), nil
	}
	if text, ok := raw.(string); ok {
		var err error
		if raw, err = listFromText(t, text); err != nil {
			return reflect.Value{}, err
		}
	}
	list, ok := raw.([]any)
	if len(list) == 0 && ok {
		return reflect.Zero(t), nil
	}
	if !ok {
		return reflect.Value{}, fmt.Errorf("must be a list, not %s", describe(raw))
	}
	out := reflect.MakeSlice(t, 0, len(list))
	for i, item := range list {
		v, err := decodeNested(t.Elem(), item)
		if err != nil {
			return reflect.Value{}, atPath("["+strconv.Itoa(i)+"]", err)
		}
		out = reflect.Append(out, v)
	}
	return out, nil
}

func decodeMap(t reflect.Type, raw any) (reflect.Value, error) {
	if empty(raw) {
		return reflect.Zero(t), nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return reflect.Value{}, fmt.Errorf("must be a map, not %s", describe(raw))
	}
	out := reflect.MakeMapWithSize(t, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, err := decodeNested(t.Elem(), m[k])
		if err != nil {
			return reflect.Value{}, atPath("."+k, err)
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), v)
	}
	return out, nil
}

func decodeStruct(t reflect.Type, raw any) (reflect.Value, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return reflect.Value{}, fmt.Errorf("must be a map of keys, not %s", describe(raw))
	}
	out := reflect.New(t).Elem()
	if def, ok := elementDefaults[t]; ok {
		out.Set(reflect.ValueOf(def()))
	}
	byTag := map[string]int{}
	for i := range t.NumField() {
		byTag[t.Field(i).Tag.Get("koanf")] = i
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		i, ok := byTag[k]
		if !ok {
			reason := "unknown key"
			if t == reflect.TypeFor[Match]() {
				reason = "unknown match field (known: item_category, service_level, tenant_id)"
			}
			if s := closest(k, slices.Collect(maps.Keys(byTag))); s != "" {
				reason += "; did you mean " + s + "?"
			}
			return reflect.Value{}, &pathError{path: "." + k, reason: reason}
		}
		ft := t.Field(i).Type
		v, err := decodeNested(ft, m[k])
		if err != nil {
			return reflect.Value{}, atPath("."+k, err)
		}
		if keepEmpty[t] && ft.Kind() == reflect.Slice && m[k] != nil && v.IsNil() {
			v = reflect.MakeSlice(ft, 0, 0) // a rule's warn_at: [] is "none", not "the default"
		}
		out.Field(i).Set(v)
	}
	return out, nil
}

// closest returns the candidate within edit distance 2 of key, or "".
func closest(key string, candidates []string) string {
	slices.Sort(candidates)
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(c, key); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// nestedKeyError reports a bad value of key, naming the element of a list
// or map value that is wrong, as in `config key "notify.webhooks[0].formt"`.
func nestedKeyError(key string, err error, source string) error {
	e := &keyError{key: key, reason: err.Error(), source: source, kind: ErrInvalidValue}
	if pe, ok := err.(*pathError); ok {
		e.key, e.reason = key+pe.path, pe.reason
		if strings.HasPrefix(pe.reason, "unknown key") || strings.HasPrefix(pe.reason, "unknown match field") {
			e.kind = ErrUnknownKey
		}
	}
	return e
}

// empty reports a value that stands for an empty list or map: nothing
// written in YAML, or "" (a flag left at its default).
func empty(raw any) bool { return raw == nil || raw == "" }

// keepEmpty lists the entry types whose empty lists differ from absent ones.
var keepEmpty = map[reflect.Type]bool{reflect.TypeFor[Rule](): true}

// listFromText reads a list given as text by the environment or a flag:
// "0.5,0.75" or "[0.5, 0.75]", or JSON for lists of entries (sla.rules).
func listFromText(t reflect.Type, text string) (any, error) {
	text = strings.TrimSpace(text)
	if t.Elem().Kind() == reflect.Struct {
		var items []any
		if err := json.Unmarshal([]byte(text), &items); err != nil {
			return nil, fmt.Errorf("must be a list: YAML in the file, JSON text here (%v)", err)
		}
		return items, nil
	}
	text = strings.TrimSuffix(strings.TrimPrefix(text, "["), "]")
	items := []any{}
	if strings.TrimSpace(text) == "" {
		return items, nil
	}
	for part := range strings.SplitSeq(text, ",") {
		items = append(items, strings.Trim(strings.TrimSpace(part), `"'`))
	}
	return items, nil
}
