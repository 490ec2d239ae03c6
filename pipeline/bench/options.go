package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CheckPhases fails naming the first name in ps that is not in Phases.
func CheckPhases(ps []string) error {
	for _, p := range ps {
		if !slices.Contains(Phases, p) {
			return fmt.Errorf("unknown phase %q (want some of %s)", p, strings.Join(Phases, ","))
		}
	}
	return nil
}

// ParseCounts parses "100000,1_000_000" into positive counts (OpenOrders).
func ParseCounts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}
