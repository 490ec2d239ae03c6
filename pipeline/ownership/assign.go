package ownership

import (
	"cmp"
	"slices"
)

// Claim is what one live instance says it owns: its name and the
// partitions it runs workers for.
type Claim struct {
	Name       string
	Partitions []int
}

// Assign divides partitions 0..p-1 among the live instances: each gets
// floor(p/n) or ceil(p/n), and as few partitions as possible move from
// the claims. It is deterministic, so every instance computes the same
// result from the same claims and acts on its own row; instances that see
// different claims for a moment converge at the next heartbeat, and the
// pinned consumers keep a partition with one consumer meanwhile.
//
//   - The ceil shares go to the instances that hold the most (ties by
//     name), so a standby (n > p) joining or leaving moves nothing.
//   - Each instance keeps its claimed partitions up to its share (lowest
//     first; a partition claimed twice stays with the first in that order).
//   - The partitions left go, lowest first, to the instances below their
//     share, in the same order: a third instance takes from both others.
func Assign(p int, claims []Claim) map[string][]int {
	if len(claims) == 0 {
		return map[string][]int{}
	}
	cs := slices.Clone(claims)
	slices.SortFunc(cs, func(a, b Claim) int {
		return cmp.Or(cmp.Compare(len(b.Partitions), len(a.Partitions)), cmp.Compare(a.Name, b.Name))
	})
	n := len(cs)
	share := func(i int) int {
		if i < p%n {
			return p/n + 1
		}
		return p / n
	}
	out := make(map[string][]int, n)
	taken := make([]bool, p)
	for i, c := range cs {
		own := slices.Sorted(slices.Values(c.Partitions))
		kept := []int{}
		for _, part := range own {
			if part >= 0 && part < p && !taken[part] && len(kept) < share(i) {
				taken[part] = true
				kept = append(kept, part)
			}
		}
		out[c.Name] = kept
	}
	next := 0
	for i, c := range cs {
		for len(out[c.Name]) < share(i) {
			for taken[next] {
				next++
			}
			taken[next] = true
			out[c.Name] = append(out[c.Name], next)
		}
		slices.Sort(out[c.Name])
	}
	return out
}
