package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

func TestLoadPredict(t *testing.T) {
	yaml := `
sla:
  predict:
    enabled: true
    threshold: 0.9
    min_samples: 50
    by: ["tenant_id", "service_level"]
`
	c, err := Load(writeFile(t, yaml), nil, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Predict{Enabled: true, Threshold: 0.9, MinSamples: 50, By: []string{"tenant_id", "service_level"}}
	if !reflect.DeepEqual(c.SLA.Predict, want) {
		t.Errorf("sla.predict = %+v, want %+v", c.SLA.Predict, want)
	}
	if got := c.Rules().Predict; !reflect.DeepEqual(got, order.Predict(want)) {
		t.Errorf("Rules().Predict = %+v, want %+v", got, want)
	}
	c, err = Load(writeFile(t, ""), []string{"ORDERTRACK_SLA__PREDICT__BY=sla_rule,item_category", "ORDERTRACK_SLA__PREDICT__THRESHOLD=0.7"},
		map[string]string{"sla.predict.min_samples": "10", "sla.predict.enabled": "true"})
	want = Predict{Enabled: true, Threshold: 0.7, MinSamples: 10, By: []string{"sla_rule", "item_category"}}
	if err != nil || !reflect.DeepEqual(c.SLA.Predict, want) {
		t.Errorf("env and flags: sla.predict = %+v, %v; want %+v", c.SLA.Predict, err, want)
	}
	if d := Default().SLA.Predict; d.Enabled || d.Threshold != 0.8 || d.MinSamples != 200 || !reflect.DeepEqual(d.By, []string{"sla_rule"}) {
		t.Errorf("default sla.predict = %+v, want off, 0.8, 200, [sla_rule] (SPEC 17)", d)
	}
}

func TestValidatePredict(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Predict)
		want   []string // "" = valid
	}{
		{"defaults", func(*Predict) {}, nil},
		{"every segment key", func(p *Predict) { p.By = order.SegmentFields }, nil},
		{"no segment key", func(p *Predict) { p.By = nil }, nil},
		{"threshold 0", func(p *Predict) { p.Threshold = 0 },
			[]string{`config key "sla.predict.threshold": must be a probability between 0 and 1 such as 0.8 (got 0)`}},
		{"threshold 1", func(p *Predict) { p.Threshold = 1 }, []string{`config key "sla.predict.threshold"`, "(got 1)"}},
		{"threshold above 1", func(p *Predict) { p.Threshold = 80 }, []string{`config key "sla.predict.threshold"`, "(got 80)"}},
		{"min_samples 0", func(p *Predict) { p.MinSamples = 0 },
			[]string{`config key "sla.predict.min_samples": must be at least 1 (got 0)`}},
		{"unknown by key", func(p *Predict) { p.By = []string{"sla_rule", "customer_id"} },
			[]string{`config key "sla.predict.by[1]": unknown segment key "customer_id" (use any of sla_rule, tenant_id, item_category, service_level)`}},
		{"duplicate by key", func(p *Predict) { p.By = []string{"tenant_id", "tenant_id"} },
			[]string{`config key "sla.predict.by[1]": duplicate segment key "tenant_id"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.SLA.Predict.By = append([]string(nil), c.SLA.Predict.By...)
			tt.change(&c.SLA.Predict)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestPredictIsLive checks that a reload applies sla.predict (SPEC 12: sla.*
// is live) and that instances must agree on it (it is in the hash).
func TestPredictIsLive(t *testing.T) {
	running := Default()
	next := Default()
	next.SLA.Predict = Predict{Enabled: true, Threshold: 0.6, MinSamples: 5, By: []string{"tenant_id"}}
	merged, restart := Merge(running, next)
	if len(restart) != 0 || !reflect.DeepEqual(merged.SLA.Predict, next.SLA.Predict) {
		t.Errorf("Merge: sla.predict = %+v, restart %v; want %+v applied live", merged.SLA.Predict, restart, next.SLA.Predict)
	}
	for _, key := range []string{"sla.predict.enabled", "sla.predict.threshold", "sla.predict.min_samples", "sla.predict.by"} {
		if !IsLive(key) {
			t.Errorf("%s is not live", key)
		}
	}
	base := Hash(running)
	for name, change := range map[string]func(*Predict){
		"enabled":     func(p *Predict) { p.Enabled = true },
		"threshold":   func(p *Predict) { p.Threshold = 0.81 },
		"min_samples": func(p *Predict) { p.MinSamples = 201 },
		"by":          func(p *Predict) { p.By = []string{"tenant_id"} },
	} {
		c := Default()
		change(&c.SLA.Predict)
		if Hash(c) == base {
			t.Errorf("sla.predict.%s: same hash %s; instances must agree on it", name, base)
		}
	}
}
