package order

import (
	"testing"
	"time"
)

func TestRechoose(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r := DefaultRules()
	r.Segments = []Rule{{Name: "acme", Match: Match{TenantID: "acme"}, Processing: time.Hour}}
	open := NewState("O")
	open.Status, open.PlacedAt, open.TenantID, open.SLARule = StageOrder, &at, "acme", DefaultRule
	open.Breaches = []SLA{SLADelivery}
	closed := open.Clone()
	closed.Status = StageDelivered
	unchosen := open.Clone()
	unchosen.SLARule = ""
	for _, tc := range []struct {
		name string
		in   State
		want string
	}{
		{"open order moves to the matching rule", open, "acme"},
		{"closed order keeps its rule", closed, DefaultRule},
		{"rule never chosen stays unchosen", unchosen, ""},
	} {
		got := Rechoose(tc.in, r)
		if got.SLARule != tc.want {
			t.Errorf("%s: sla_rule %q, want %q", tc.name, got.SLARule, tc.want)
		}
		if !got.Breached(SLADelivery) {
			t.Errorf("%s: the recorded breach was dropped", tc.name)
		}
	}
	if open.SLARule != DefaultRule {
		t.Errorf("Rechoose changed its input")
	}
	if d, _ := r.Deadline(Rechoose(open, r), SLAProcessing); !d.Equal(at.Add(time.Hour)) {
		t.Errorf("deadline under the new rule %v, want %v", d, at.Add(time.Hour))
	}
}
