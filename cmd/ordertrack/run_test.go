package main

import (
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

// TestRunResolvesDemoSLAs: with demo SLAs the pipeline runs with the whole
// of config.DemoSLAs, its event clock included (it was dropped: the
// configured clock stayed), and the banner says so.
func TestRunResolvesDemoSLAs(t *testing.T) {
	t.Parallel()
	s := startMain(t, append(runArgs(t.TempDir()), "--generator.demo_sla", "true", "--sla.clock", "processing",
		"--generator.enabled", "false", "--output.console", "false")...)
	got, demo := s.info.Config.SLA, config.DemoSLAs()
	if got.Processing != demo.Processing || got.Shipping != demo.Shipping || got.Delivery != demo.Delivery || got.Clock != config.ClockEvent {
		t.Errorf("run's SLAs %+v, want the demo's %+v", got, demo)
	}
	waitOutput(t, s.out, 5*time.Second, "SLAs: processing 10s, shipping 10s, delivery 30s (clock: event) [demo SLAs")
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
}
