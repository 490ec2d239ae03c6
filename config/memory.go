package config

import (
	"fmt"
	"strings"
)

// MemoryLimit is instance.memory_limit, the soft limit of the Go heap and
// runtime that `run` and `bench` set for themselves (as GOMEMLIMIT would):
// MemoryAuto, MemoryOff or a size such as "1200MiB".
type MemoryLimit string

// Values of MemoryLimit besides a size.
const (
	// MemoryAuto is 7/8 of the memory limit of the container (cgroup) the
	// process runs in, when it has one; otherwise, or when GOMEMLIMIT is
	// set, no limit of ordertrack's own.
	MemoryAuto MemoryLimit = "auto"
	// MemoryOff sets no limit (GOMEMLIMIT, when set, still applies).
	MemoryOff MemoryLimit = "off"
)

// MinMemoryLimit bounds instance.memory_limit from below: a smaller soft
// limit makes the collector run without pause.
const MinMemoryLimit Size = 32 << 20

// Bytes returns the limit as a size, 0 for auto and off.
func (m MemoryLimit) Bytes() (Size, error) {
	switch MemoryLimit(strings.ToLower(string(m))) {
	case MemoryAuto, MemoryOff:
		return 0, nil
	}
	n, err := ParseSize(string(m))
	if err != nil {
		return 0, fmt.Errorf(`must be "auto", "off" or a size such as "1200MiB" (got %q)`, string(m))
	}
	if n < MinMemoryLimit {
		return 0, fmt.Errorf("must be at least %s (got %q)", MinMemoryLimit, string(m))
	}
	return n, nil
}

// Auto reports whether the limit follows the container's.
func (m MemoryLimit) Auto() bool { return strings.EqualFold(string(m), string(MemoryAuto)) }
