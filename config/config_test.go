package config

import (
	"reflect"
	"testing"
	"time"
)

func TestDefaultIsFresh(t *testing.T) {
	c := Default()
	c.SLA.Processing, c.Subjects.Prefix = time.Second, "x"
	if d := Default(); d.SLA.Processing != 24*time.Hour || d.Subjects.Prefix != "orders" {
		t.Fatalf("Default() changed after mutating a copy: %+v", d)
	}
}

func TestResolvers(t *testing.T) {
	tests := []struct {
		url, enabled, demo string
		embedded, gen, dsl bool
	}{
		{"", "auto", "auto", true, true, true},
		{"nats://x:4222", "auto", "auto", false, false, false},
		{"", "false", "auto", true, false, false},
		{"nats://x:4222", "true", "auto", false, true, false},
		{"", "true", "false", true, true, false},
		{"nats://x:4222", "false", "true", false, false, true},
	}
	for _, tt := range tests {
		c := Default()
		c.NATS.URL, c.Generator.Enabled, c.Generator.DemoSLA = tt.url, tt.enabled, tt.demo
		if c.Embedded() != tt.embedded || c.GeneratorOn() != tt.gen || c.DemoSLA() != tt.dsl {
			t.Errorf("url %q enabled %q demo_sla %q: Embedded, GeneratorOn, DemoSLA = %v, %v, %v; want %v, %v, %v",
				tt.url, tt.enabled, tt.demo, c.Embedded(), c.GeneratorOn(), c.DemoSLA(), tt.embedded, tt.gen, tt.dsl)
		}
	}
}

func TestDemoSLAs(t *testing.T) {
	want := SLA{Recompute: RecomputeNew, Processing: 10 * time.Second, Shipping: 10 * time.Second, Delivery: 30 * time.Second,
		Clock: ClockEvent, MaxClockSkew: 5 * time.Minute, Predict: Predict{Threshold: 0.8, MinSamples: 200, By: []string{"sla_rule"}}}
	if got := DemoSLAs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("DemoSLAs() = %+v, want %+v", got, want)
	}
}
