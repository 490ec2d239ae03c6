package ownership

import (
	"fmt"
	"testing"
)

func TestAssign(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      int
		claims []Claim
		want   string
	}{
		{"one instance takes all", 8, []Claim{{"a", nil}}, "map[a:[0 1 2 3 4 5 6 7]]"},
		{"second joins: 4/4, half moves", 8, []Claim{{"a", []int{0, 1, 2, 3, 4, 5, 6, 7}}, {"b", nil}},
			"map[a:[0 1 2 3] b:[4 5 6 7]]"},
		{"started together: 4/4", 8, []Claim{{"b", nil}, {"a", nil}}, "map[a:[0 1 2 3] b:[4 5 6 7]]"},
		{"third joins: takes from both, 3/3/2", 8, []Claim{{"a", []int{0, 1, 2, 3}}, {"b", []int{4, 5, 6, 7}}, {"c", nil}},
			"map[a:[0 1 2] b:[4 5 6] c:[3 7]]"},
		{"instance gone: its partitions spread, the rest stay", 8, []Claim{{"a", []int{0, 1, 2}}, {"c", []int{3, 7}}},
			"map[a:[0 1 2 4] c:[3 5 6 7]]"},
		{"standby (n > p) gets nothing, nothing moves", 2, []Claim{{"a", []int{1}}, {"b", []int{0}}, {"c", nil}},
			"map[a:[1] b:[0] c:[]]"},
		{"standby leaves: nothing moves", 2, []Claim{{"a", []int{1}}, {"b", []int{0}}},
			"map[a:[1] b:[0]]"},
		{"double claim during a hand-over: first in order keeps it", 4, []Claim{{"a", []int{0, 1, 2, 3}}, {"b", []int{2, 3}}},
			"map[a:[0 1] b:[2 3]]"},
		{"claims out of range are ignored", 2, []Claim{{"a", []int{5, 1}}}, "map[a:[0 1]]"},
		{"no instance", 8, nil, "map[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Assign(c.p, c.claims)
			if fmt.Sprint(got) != c.want {
				t.Errorf("Assign(%d, %v) = %v, want %s", c.p, c.claims, got, c.want)
			}
			n := 0
			for _, ps := range got {
				n += len(ps)
				if len(c.claims) > 0 && (len(ps) < c.p/len(c.claims) || len(ps) > (c.p+len(c.claims)-1)/len(c.claims)) {
					t.Errorf("unbalanced: %v", got)
				}
			}
			if len(c.claims) > 0 && n != c.p {
				t.Errorf("%d partitions assigned, want %d", n, c.p)
			}
		})
	}
}
