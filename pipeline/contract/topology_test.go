package contract_test

import (
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestWatchFilters: watch follows warnings beside updates and alerts, and
// --alerts means breaches, retractions and warnings.
func TestWatchFilters(t *testing.T) {
	t.Parallel()
	topo := contract.Topology{Prefix: "orders", Partitions: 8}
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

// TestTopologySubjects: every subject, wildcard and name Topology builds,
// as SPEC section 2 and the JetStream API name them, for prefix orders and
// 8 partitions. Everyone else reads them from Topology.
func TestTopologySubjects(t *testing.T) {
	t.Parallel()
	topo := contract.Topology{Prefix: "orders", Partitions: 8}
	for _, tt := range []struct{ name, got, want string }{
		{"EventSubject", topo.EventSubject("ORD-1"), "orders.events.ORD-1"},
		{"EventsWildcard", topo.EventsWildcard(), "orders.events.*"},
		{"EventsTransform", topo.EventsTransform(), "orders.events.{{partition(8,1)}}.{{wildcard(1)}}"},
		{"StoredEventSubject", topo.StoredEventSubject("ORD-1"), "orders.events.2.ORD-1"},
		{"PartitionFilter", topo.PartitionFilter(3), "orders.events.3.*"},
		{"EventsConsumer", topo.EventsConsumer(3), "ordertrack-p3"},
		{"TimersConsumer", topo.TimersConsumer(3), "ordertrack-sla-p3"},
		{"NotifyConsumer", topo.NotifyConsumer("ops"), "ordertrack-notify-ops"},
		{"UpdateSubject", topo.UpdateSubject("ORD-1"), "orders.updates.ORD-1"},
		{"UpdatesWildcard", topo.UpdatesWildcard(), "orders.updates.>"},
		{"UpdatesFilter", topo.UpdatesFilter(), "orders.updates.*"},
		{"AlertSubject", topo.AlertSubject(order.SLAShipping, "ORD-1"), "orders.alerts.shipping.ORD-1"},
		{"AlertFilter", topo.AlertFilter(order.SLAShipping), "orders.alerts.shipping.*"},
		{"AlertsWildcard", topo.AlertsWildcard(), "orders.alerts.>"},
		{"OrderAlerts", topo.OrderAlerts("ORD-1"), "orders.alerts.*.ORD-1"},
		{"WarningSubject", topo.WarningSubject(order.SLADelivery, "ORD-1"), "orders.warnings.delivery.ORD-1"},
		{"WarningFilter", topo.WarningFilter(order.SLADelivery), "orders.warnings.delivery.*"},
		{"WarningsWildcard", topo.WarningsWildcard(), "orders.warnings.>"},
		{"OrderWarnings", topo.OrderWarnings("ORD-1"), "orders.warnings.*.ORD-1"},
		{"OutputSubjects", strings.Join(topo.OutputSubjects(), " "), "orders.updates.> orders.alerts.> orders.warnings.>"},
		{"DLQSubject", topo.DLQSubject(order.ReasonInvalidJSON), "orders.dlq.invalid_json"},
		{"DLQWildcard", topo.DLQWildcard(), "orders.dlq.>"},
		{"SLAWildcard", topo.SLAWildcard(), "orders.sla.>"},
		{"SlotSchedule", topo.SlotSchedule(3, 1700000000100, "t1"), "orders.sla.sched.3.1700000000100.t1"},
		{"SlotSchedulesWildcard", topo.SlotSchedulesWildcard(), "orders.sla.sched.>"},
		{"SlotFired", topo.SlotFired(3, 1700000000100), "orders.sla.fired.3.1700000000100"},
		{"FiredFilter", topo.FiredFilter(3), "orders.sla.fired.3.>"},
		{"Wildcard", topo.Wildcard(), "orders.>"},
		{"KVStream", topo.KVStream(contract.OrdersBucket), "KV_ORDERS"},
		{"KVSubject", topo.KVSubject(contract.OrdersBucket, "ORD-1"), "$KV.ORDERS.ORD-1"},
		{"KVWildcard", topo.KVWildcard(contract.OrdersBucket), "$KV.ORDERS.>"},
		{"HeartbeatSubject", topo.HeartbeatSubject("host a/1"), "$KV.ORDERTRACK_INSTANCES.orders.host_a_1"},
		{"RecomputeKey", topo.RecomputeKey(3), "recompute.orders.p3"},
		{"HeartbeatsFilter", topo.HeartbeatsFilter(), "$KV.ORDERTRACK_INSTANCES.orders.>"},
		{"API", topo.API("STREAM", "INFO", contract.EventsStream), "$JS.API.STREAM.INFO.ORDER_EVENTS"},
		{"API wildcard", topo.API(">"), "$JS.API.>"},
		{"Ack", topo.Ack(contract.SLAStream, ">"), "$JS.ACK.ORDER_SLA.>"},
		{"FlowControl", topo.FlowControl("KV_ORDERS", ">"), "$JS.FC.KV_ORDERS.>"},
		{"InboxWildcard", topo.InboxWildcard(), "_INBOX.>"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}
