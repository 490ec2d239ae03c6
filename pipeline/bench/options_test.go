package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCounts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		err  bool
	}{
		{"100000,1_000_000", []int{100000, 1000000}, false},
		{" 5 , ,7", []int{5, 7}, false},
		{"", nil, false},
		{"5,0", nil, true},
		{"x", nil, true},
	} {
		got, err := ParseCounts(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseCounts(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestCheckPhases(t *testing.T) {
	if err := CheckPhases([]string{"raw", "memory"}); err != nil {
		t.Error(err)
	}
	if err := CheckPhases([]string{"raw", "rwa"}); err == nil || err.Error() != `unknown phase "rwa" (want some of `+strings.Join(Phases, ",")+`)` {
		t.Errorf("got %v", err)
	}
}
