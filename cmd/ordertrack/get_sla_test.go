package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestGetPrintsRuleZoneAndWarnings: get shows the order's rule, each SLA's
// deadline in UTC and in its calendar's zone, and its warnings sent and
// pending.
func TestGetPrintsRuleZoneAndWarnings(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	day := "08:00-18:00"
	cfg.Calendars = map[string]config.Calendar{"wh": {Timezone: "Europe/Berlin",
		Hours: map[string]string{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}}
	cfg.SLA.Rules = []config.Rule{{Name: "acme-office", Match: config.Match{TenantID: "acme"}, Processing: 4 * time.Hour,
		Calendar: "wh", WarnAt: []float64{0.5, 0.75}}}
	rules := cfg.Rules()
	placed := time.Date(2026, 11, 27, 16, 0, 0, 123_000_000, time.UTC) // Friday 17:00:00.123 Berlin
	s, _ := order.Apply(order.NewState("ORD-7"), order.Event{OrderID: "ORD-7", Type: order.OrderPlaced, Timestamp: placed,
		TenantID: "acme", ItemName: "Blue Jeans"}, rules, placed)
	s, _ = order.Check(s, rules, time.Date(2026, 11, 30, 8, 0, 0, 123_000_000, time.UTC)) // Monday 09:00:00.123 Berlin: 50% (1h Friday, 1h Monday)
	v := monitor.OrderStory{Order: s, Rule: rules.Terms(s).Rule, At: placed.Add(60 * time.Hour)}
	v.Deadlines = monitor.SLAStatuses(s, rules, v.At)
	var out strings.Builder
	printOrder(&out, v)
	for _, want := range []string{
		"rule:      acme-office",
		"processing  2026-11-30T10:00:00.123Z",
		"2026-11-30 11:00:00.123 CET Mon (Europe/Berlin, calendar wh)",
		"warning at 50% 2026-11-30T08:00:00.123Z: sent",
		"warning at 75% 2026-11-30T09:00:00.123Z: pending",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("get lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWatchFollowsWarnings: watch prints a warning as a row (its filters,
// warnings beside updates and alerts, are TestWatchFilters in pipeline).
func TestWatchFollowsWarnings(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	printUpdates(&out, []order.Update{{OrderID: "W", Type: order.UpdateAtRisk, Status: order.StageOrder, SLA: order.SLAProcessing,
		Message: "SLA AT RISK: Order W has 5s left to be processed (50% of 10s used) - Item: Socks"}}, false)
	if !strings.Contains(out.String(), "| SLA_AT_RISK        | ORDER      | processing | SLA AT RISK: Order W has 5s left") {
		t.Errorf("watch row %q", out.String())
	}
}
