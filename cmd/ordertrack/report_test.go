package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestReportCountsAKnownEventSet runs the pipeline on the whatif event set
// under processing 10s, shipping 1h, delivery 2h (all deadlines passed) and
// checks report's numbers, as JSON and as text.
func TestReportCountsAKnownEventSet(t *testing.T) {
	t.Parallel()
	events := whatifEvents(time.Now().Add(-3 * time.Hour).Truncate(time.Millisecond))
	_, url := pipelineTally(t, writeSLAConfig(t, "10s"), events)

	code, out, errs := runCommand(t, "report", "--nats.url", url, "--json")
	if code != 0 {
		t.Fatalf("report exit %d: %s%s", code, out, errs)
	}
	var got struct {
		Since *time.Time
		By    string
		Rows  []order.AttainmentRow
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []order.AttainmentRow{
		{Group: "all", SLA: order.SLAProcessing, Orders: 6, Met: 4, Breached: 1, Cancelled: 1, OnTimeRate: 0.8, CancelRate: 0.1667},
		{Group: "all", SLA: order.SLAShipping, Orders: 6, Met: 1, Breached: 2, Cancelled: 2, Pending: 1, OnTimeRate: 0.3333, CancelRate: 0.3333},
		{Group: "all", SLA: order.SLADelivery, Orders: 6, Breached: 4, Cancelled: 2, CancelRate: 0.3333},
	}
	if got.Since != nil || got.By != "sla" || !reflect.DeepEqual(got.Rows, want) {
		t.Fatalf("report --json: since %v by %q rows\n%+v\nwant\n%+v", got.Since, got.By, got.Rows, want)
	}

	code, text, errs := runCommand(t, "report", "--nats.url", url, "--by", "tenant", "--since", "1d")
	if code != 0 {
		t.Fatalf("report --by tenant exit %d: %s%s", code, text, errs)
	}
	line := "acme: on-time processing 80.0%, on-time shipping 33.3%, on-time delivery 0.0%; cancelled before delivery 33.3% (6 orders)"
	if !strings.Contains(text, line) {
		t.Errorf("report --by tenant lacks %q:\n%s", line, text)
	}
	if code, out, errs := runCommand(t, "report", "--nats.url", url, "--by", "colour"); code != 2 || !strings.Contains(out+errs, `--by "colour"`) {
		t.Errorf("report --by colour: exit %d, %s%s", code, out, errs)
	}
}
