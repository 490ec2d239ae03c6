package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// convert turns a raw value from YAML, the environment or a flag into the
// exact Go type of its field, or says why it cannot. Strings are parsed;
// YAML scalars are accepted where they fit without loss.
func convert(t reflect.Type, raw any) (any, error) {
	if t == durationType {
		return durationHook(reflect.TypeOf(raw), t, raw)
	}
	if t == sizeType {
		return toSize(raw)
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Struct:
		return convertNested(t, raw)
	case reflect.String:
		return toString(raw)
	case reflect.Bool:
		return toBool(raw)
	case reflect.Int, reflect.Int64:
		return toInt(t, raw)
	case reflect.Float64:
		return toFloat(raw)
	}
	return nil, fmt.Errorf("unsupported field type %s", t)
}

// toString accepts strings and YAML scalars (a password may be a number).
// An empty YAML value is "".
func toString(raw any) (any, error) {
	switch v := raw.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v), nil
	}
	return nil, fmt.Errorf("must be a single value, not %s", describe(raw))
}

// toBool accepts booleans and true/false, yes/no, on/off, 1/0 as text.
func toBool(raw any) (any, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
	}
	return nil, fmt.Errorf("must be true or false, not %s", describe(raw))
}

// toInt accepts whole numbers, also as text, and converts to type t.
func toInt(t reflect.Type, raw any) (any, error) {
	n, ok := wholeNumber(raw)
	if !ok {
		return nil, fmt.Errorf("must be a whole number, not %s", describe(raw))
	}
	if reflect.New(t).Elem().OverflowInt(n) {
		return nil, fmt.Errorf("number %d is too large", n)
	}
	return reflect.ValueOf(n).Convert(t).Interface(), nil
}

// wholeNumber reads an int64 from a YAML number or decimal text.
func wholeNumber(raw any) (int64, bool) {
	switch v := raw.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		return int64(v), v <= math.MaxInt64
	case float64:
		return int64(v), v == math.Trunc(v) && math.Abs(v) < 1<<63
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// toFloat accepts finite numbers, also as text.
func toFloat(raw any) (any, error) {
	var f float64
	var err error
	switch v := raw.(type) {
	case float64:
		f = v
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case uint64:
		f = float64(v)
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("must be a number, not %s", describe(raw))
	}
	return f, nil
}
