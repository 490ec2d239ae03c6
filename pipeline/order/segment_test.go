package order

import (
	"testing"
	"time"
)

func TestSegmentKey(t *testing.T) {
	s := NewState("ORD-1")
	s.TenantID, s.ItemCategory, s.ServiceLevel = "acme", "Pants", "express"
	chosen := s
	chosen.SLARule = "acme-express"
	tests := []struct {
		name  string
		state State
		sla   SLA
		by    []string
		want  string
	}{
		{"rule not chosen yet counts as default", s, SLAProcessing, []string{"sla_rule"}, "processing/sla_rule=default"},
		{"chosen rule", chosen, SLAShipping, []string{"sla_rule"}, "shipping/sla_rule=acme-express"},
		{"fields in by's order", chosen, SLADelivery, []string{"service_level", "tenant_id"}, "delivery/service_level=express,tenant_id=acme"},
		{"every field", chosen, SLAProcessing, SegmentFields, "processing/sla_rule=acme-express,tenant_id=acme,item_category=Pants,service_level=express"},
		{"no field is one segment", chosen, SLAProcessing, nil, "processing/"},
		{"an empty value", NewState("ORD-2"), SLAProcessing, []string{"tenant_id"}, "processing/tenant_id="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SegmentKey(tt.state, tt.sla, tt.by); got != tt.want {
				t.Errorf("SegmentKey = %q, want %q", got, tt.want)
			}
		})
	}
	if !ValidSegmentField("item_category") || ValidSegmentField("customer_id") {
		t.Error("ValidSegmentField: item_category is a segment field, customer_id is not")
	}
}

func TestModelGeneration(t *testing.T) {
	cal := func(holiday string) *Calendar {
		d, _ := ParseDate(holiday)
		c, err := NewCalendar("wh", time.UTC, weekOf(t, "08:00-18:00", weekdays...), []Date{d})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := func() Rules {
		r := DefaultRules()
		r.Predict = Predict{Enabled: true, Threshold: 0.8, MinSamples: 200, By: []string{SegmentRule}}
		r.Segments = []Rule{{Name: "x", Match: Match{TenantID: "acme"}, Processing: time.Hour, Calendar: cal("2026-12-24")}}
		return r
	}
	want := base().ModelGeneration()
	if len(want) != 8 {
		t.Fatalf("ModelGeneration() = %q, want 8 hex digits", want)
	}
	same := map[string]func(*Rules){
		"threshold":   func(r *Rules) { r.Predict.Threshold = 0.5 },
		"min_samples": func(r *Rules) { r.Predict.MinSamples = 1 },
		"enabled":     func(r *Rules) { r.Predict.Enabled = false },
		"warn_at":     func(r *Rules) { r.WarnAt = []float64{0.5} },
		"grace":       func(r *Rules) { r.Grace = time.Minute },
		"model":       func(r *Rules) { r.Model = models{} },
	}
	for name, change := range same {
		r := base()
		change(&r)
		if got := r.ModelGeneration(); got != want {
			t.Errorf("%s changed the generation (%s, want %s)", name, got, want)
		}
	}
	differ := map[string]func(*Rules){
		"by":                   func(r *Rules) { r.Predict.By = []string{SegmentTenant} },
		"processing":           func(r *Rules) { r.Processing = time.Hour },
		"clock":                func(r *Rules) { r.Clock = ClockArrival },
		"a rule's match":       func(r *Rules) { r.Segments[0].Match.TenantID = "globex" },
		"a rule's duration":    func(r *Rules) { r.Segments[0].Shipping = time.Hour },
		"a rule's holiday":     func(r *Rules) { r.Segments[0].Calendar = cal("2026-12-25") },
		"the default calendar": func(r *Rules) { r.Calendar = cal("2026-12-24") },
		"a rule added": func(r *Rules) {
			r.Segments = append(r.Segments, Rule{Name: "y", Match: Match{ServiceLevel: "express"}})
		},
	}
	for name, change := range differ {
		r := base()
		change(&r)
		if r.ModelGeneration() == want {
			t.Errorf("%s kept the generation %s", name, want)
		}
	}
}
