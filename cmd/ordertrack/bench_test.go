package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/bench"
)

func TestBenchRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--phases", "warp"}, {"--open-orders", "10,lots"}} {
		code, _, errs := runCommand(t, append([]string{"bench"}, args...)...)
		if code == 0 {
			t.Errorf("%v: exit 0", args)
		}
		if !strings.Contains(errs, args[0]) {
			t.Errorf("%v: stderr %q does not name the flag", args, errs)
		}
	}
}

// TestBenchCommand: the flags reach bench.Run and the report is printed
// (one quick phase; the phases are tested in pipeline/bench).
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a bench phase")
	}
	code, out, errs := runCommand(t, "bench", "--json", "--phases", "raw", "--events", "500", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, errs)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	var names []string
	for _, m := range r.Metrics {
		names = append(names, m.Phase+": "+m.Metric)
	}
	want := []string{"raw: JetStream async publish (200 B)", "raw: JetStream consume + ack each (200 B)",
		"raw: JetStream round trip (publish + consume with ack)"}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("metrics %q, want the raw phase's three %q", names, want)
	}
	if !strings.Contains(errs, "raw done") || strings.Contains(errs, "ceiling") {
		t.Errorf("progress %q, want the raw phase only", errs)
	}
}
