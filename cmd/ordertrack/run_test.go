package main

import (
	"os"
	"path/filepath"
	"strings"
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

// TestBannerNamesConfigFile: the demo SLA note names the file in use, not
// always config.yaml.
func TestBannerNamesConfigFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "prod.yaml")
	if err := os.WriteFile(file, []byte("sla:\n  processing: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startMain(t, append(runArgs(t.TempDir()), "--config", file, "--generator.demo_sla", "true",
		"--generator.enabled", "false", "--output.console", "false")...)
	waitOutput(t, s.out, 5*time.Second, "[demo SLAs: set generator.demo_sla=false for the SLAs of "+file+"]")
	if strings.Contains(s.out.String(), "config.yaml's") {
		t.Errorf("the banner still names config.yaml:\n%s", s.out.String())
	}
}
