package order

import "testing"

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
