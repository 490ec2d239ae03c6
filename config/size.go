package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Size is a number of bytes, written as a whole number with an optional
// unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024),
// e.g. "1MiB", "512KiB", "65536".
type Size int64

var sizeType = reflect.TypeFor[Size]()

var sizeUnits = []struct {
	name string
	n    int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// ParseSize parses a size such as "1MiB", "64 KiB", "2MB" or "4096" (bytes).
// Units are case-insensitive; negative sizes are errors.
func ParseSize(s string) (Size, error) {
	in := strings.TrimSpace(s)
	num, mult := in, int64(1)
	for _, u := range sizeUnits {
		if len(in) > len(u.name) && strings.EqualFold(in[len(in)-len(u.name):], u.name) {
			num, mult = strings.TrimSpace(in[:len(in)-len(u.name)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf(`must be a size such as "1MiB", "512KiB" or "65536" (got %q)`, s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return Size(n * mult), nil
}

// String writes the size with the largest binary unit that divides it
// exactly: "1MiB", "1500B".
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// toSize accepts a size as text or a whole number of bytes.
func toSize(raw any) (any, error) {
	switch v := raw.(type) {
	case Size:
		return v, nil
	case string:
		return ParseSize(v)
	}
	if n, ok := wholeNumber(raw); ok && n >= 0 {
		return Size(n), nil
	}
	return nil, fmt.Errorf(`must be a size such as "1MiB", "512KiB" or "65536", not %s`, describe(raw))
}
