package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

var errDurationHelp = errors.New(`use e.g. "30s", "1h30m", "3d", "1w" or "30 seconds"`)

// ParseDuration parses a non-negative duration. It accepts Go durations
// ("1h30m", "250ms"), days and weeks ("3d", "1w", "1d12h", "1.5d"), the
// Spark style ("30 seconds", "3 days", "1 minute", "10 secs", "1 week",
// also combined as "1 hour 30 minutes") and "0". Unit words are
// case-insensitive. A number without a unit other than 0 is an error.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	switch {
	case in == "":
		return 0, fmt.Errorf("empty duration: %w", errDurationHelp)
	case strings.HasPrefix(in, "-"):
		return 0, fmt.Errorf("negative duration %q not allowed", s)
	}
	in = strings.TrimPrefix(in, "+")
	if isZero(in) {
		return 0, nil
	}
	var total time.Duration
	for in != "" {
		d, rest, err := parseComponent(in)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %w", s, err)
		}
		if total > math.MaxInt64-d {
			return 0, fmt.Errorf("invalid duration %q: too large", s)
		}
		total, in = total+d, strings.TrimLeft(rest, " \t")
	}
	return total, nil
}

// isZero reports whether s is a unitless zero such as "0" or "0.0".
func isZero(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == 0 && strings.Trim(s, "0.") == ""
}

// parseComponent parses one "<number><unit>" or "<number> <unit>" from the
// front of s and returns its value and the rest of s.
func parseComponent(s string) (time.Duration, string, error) {
	num, rest := splitPrefix(s, func(r rune) bool { return r == '.' || (r >= '0' && r <= '9') })
	if num == "" || num == "." {
		return 0, "", errDurationHelp
	}
	unitName, rest := splitPrefix(strings.TrimLeft(rest, " \t"), unicode.IsLetter)
	if unitName == "" {
		return 0, "", fmt.Errorf("missing unit after %s, e.g. %ss", num, num)
	}
	unit, ok := durationUnit(unitName)
	if !ok {
		return 0, "", fmt.Errorf("unknown unit %q (use ns, us, ms, s, m, h, d, w or words like seconds, minutes, hours, days, weeks)", unitName)
	}
	d, err := scale(num, unit)
	return d, rest, err
}

// splitPrefix splits s after the longest prefix whose runes satisfy ok.
func splitPrefix(s string, ok func(rune) bool) (string, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !ok(r) })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// scale multiplies a decimal number such as "1.5" by unit.
func scale(num string, unit time.Duration) (time.Duration, error) {
	whole, frac, _ := strings.Cut(num, ".")
	if strings.Contains(frac, ".") {
		return 0, fmt.Errorf("bad number %q", num)
	}
	w := int64(0)
	if whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 64); err != nil || w > math.MaxInt64/int64(unit) {
			return 0, errors.New("too large")
		}
	}
	d := time.Duration(w) * unit
	if frac != "" {
		f, _ := strconv.ParseFloat("0."+frac, 64)
		d += time.Duration(math.Round(f * float64(unit)))
	}
	if d < 0 {
		return 0, errors.New("too large")
	}
	return d, nil
}

// durationUnit maps a unit symbol or word to its length. Symbols are
// case-sensitive as in Go ("m" is minutes, "M" is not accepted); words are not.
func durationUnit(name string) (time.Duration, bool) {
	switch name {
	case "ns":
		return time.Nanosecond, true
	case "us", "µs", "μs":
		return time.Microsecond, true
	case "ms":
		return time.Millisecond, true
	case "s":
		return time.Second, true
	case "m":
		return time.Minute, true
	case "h":
		return time.Hour, true
	case "d":
		return day, true
	case "w":
		return week, true
	}
	if len(name) < 3 {
		return 0, false
	}
	return durationWord(strings.ToLower(name))
}

// durationWord maps a Spark-style unit word to its length.
func durationWord(w string) (time.Duration, bool) {
	switch strings.TrimSuffix(w, "s") {
	case "nanosecond", "nano":
		return time.Nanosecond, true
	case "microsecond", "micro":
		return time.Microsecond, true
	case "millisecond", "milli":
		return time.Millisecond, true
	case "second", "sec":
		return time.Second, true
	case "minute", "min":
		return time.Minute, true
	case "hour", "hr":
		return time.Hour, true
	case "day":
		return day, true
	case "week":
		return week, true
	}
	return 0, false
}

// formatDuration renders d compactly: "24h", "10m", "1h30m", "30s", "0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

var durationType = reflect.TypeFor[time.Duration]()

// durationHook is a mapstructure decode hook that turns strings into
// time.Duration with ParseDuration. Numbers are accepted only when zero:
// "30" could mean seconds or nanoseconds, so a unit is required.
func durationHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch v := data.(type) {
	case time.Duration:
		if v < 0 {
			return nil, fmt.Errorf("negative duration %q not allowed", formatDuration(v))
		}
		return v, nil
	case string:
		return ParseDuration(v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		if reflect.ValueOf(v).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("a plain number is not a duration (got %v): use a unit, e.g. %vs", v, v)
	}
	return nil, fmt.Errorf("must be a duration such as \"30s\" or \"3d\", not %s", describe(data))
}

// describe names the kind of a raw config value for error messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}
