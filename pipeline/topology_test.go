package pipeline_test

import (
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline"
)

// TestWatchFilters: watch follows warnings beside updates and alerts, and
// --alerts means breaches, retractions and warnings.
func TestWatchFilters(t *testing.T) {
	t.Parallel()
	topo := pipeline.Topology{Prefix: "orders", Partitions: 8}
	for _, tt := range []struct {
		id     string
		alerts bool
		want   string
	}{
		{"", false, "orders.updates.> orders.alerts.> orders.warnings.>"},
		{"", true, "orders.alerts.> orders.warnings.>"},
		{"ORD-1", false, "orders.updates.ORD-1 orders.alerts.*.ORD-1 orders.warnings.*.ORD-1"},
		{"ORD-1", true, "orders.alerts.*.ORD-1 orders.warnings.*.ORD-1"},
	} {
		if got := strings.Join(topo.WatchFilters(tt.id, tt.alerts), " "); got != tt.want {
			t.Errorf("WatchFilters(%q, %v) = %s, want %s", tt.id, tt.alerts, got, tt.want)
		}
	}
}
