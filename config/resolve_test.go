package config

import (
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	configured := SLA{Processing: time.Hour, Shipping: 2 * time.Hour, Delivery: 3 * time.Hour,
		Clock: ClockProcessing, MaxClockSkew: time.Minute}
	demo := configured
	demo.Processing, demo.Shipping, demo.Delivery, demo.Clock = 10*time.Second, 10*time.Second, 30*time.Second, ClockEvent
	for _, tt := range []struct {
		name, url, demoSLA string
		want               SLA
	}{
		{"demo with the embedded server", "", "auto", demo},
		{"demo off", "", "false", configured},
		{"external server", "nats://x:4222", "auto", configured},
		{"demo forced on an external server", "nats://x:4222", "true", demo},
	} {
		c := Default()
		c.NATS.URL, c.Generator.DemoSLA, c.SLA = tt.url, tt.demoSLA, configured
		got := c.Resolve()
		if key(got.SLA) != key(tt.want) {
			t.Errorf("%s: SLA %+v, want %+v", tt.name, got.SLA, tt.want)
		}
		if again := got.Resolve(); key(again.SLA) != key(got.SLA) {
			t.Errorf("%s: resolving twice gave %+v", tt.name, again.SLA)
		}
		if key(c.SLA) != key(configured) {
			t.Errorf("%s: Resolve changed its receiver", tt.name)
		}
		if replaces := key(tt.want) != key(configured); c.DemoReplaces() != replaces {
			t.Errorf("%s: DemoReplaces() = %v, want %v", tt.name, c.DemoReplaces(), replaces)
		}
	}
	c := Default()
	c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery, c.SLA.Clock = 10*time.Second, 10*time.Second, 30*time.Second, ClockEvent
	if c.DemoReplaces() {
		t.Error("DemoReplaces() with the demo's own SLAs configured")
	}
}

// key is what Resolve may change of an SLA section, comparable.
func key(s SLA) [5]any {
	return [5]any{s.Processing, s.Shipping, s.Delivery, s.Clock, s.MaxClockSkew}
}
