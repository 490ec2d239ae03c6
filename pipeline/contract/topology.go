package contract

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Names of the JetStream objects (SPEC section 2). They are fixed: other
// programs are written against them.
const (
	EventsStream  = "ORDER_EVENTS"
	SLAStream     = "ORDER_SLA"
	UpdatesStream = "ORDER_UPDATES"
	DLQStream     = "ORDER_DLQ"
	OrdersBucket  = "ORDERS"
	PriorityGroup = "ordertrack"
)

// Topology derives every subject and consumer name from the subject prefix
// and the partition count.
type Topology struct {
	Prefix     string // subjects.prefix, e.g. "orders"
	Partitions int    // streaming.partitions
}

// EventSubject is where producers publish an order's events.
func (t Topology) EventSubject(orderID string) string { return t.Prefix + ".events." + orderID }

// EventsWildcard matches what producers publish.
func (t Topology) EventsWildcard() string { return t.Prefix + ".events.*" }

// EventsTransform is the stored, partitioned form of event subjects.
func (t Topology) EventsTransform() string {
	return fmt.Sprintf("%s.events.{{partition(%d,1)}}.{{wildcard(1)}}", t.Prefix, t.Partitions)
}

// PartitionFilter matches the stored events of partition p.
func (t Topology) PartitionFilter(p int) string { return fmt.Sprintf("%s.events.%d.*", t.Prefix, p) }

// EventsConsumer names the durable consumer of partition p.
func (t Topology) EventsConsumer(p int) string { return "ordertrack-p" + strconv.Itoa(p) }

// TimersConsumer names the durable consumer of partition p's fired SLA checks.
func (t Topology) TimersConsumer(p int) string { return "ordertrack-sla-p" + strconv.Itoa(p) }

// UpdateSubject carries an order's lifecycle updates.
func (t Topology) UpdateSubject(orderID string) string { return t.Prefix + ".updates." + orderID }

// AlertSubject carries an order's breach of one SLA.
func (t Topology) AlertSubject(sla order.SLA, orderID string) string {
	return t.Prefix + ".alerts." + string(sla) + "." + orderID
}

// OrderAlerts matches one order's alerts of every SLA.
func (t Topology) OrderAlerts(orderID string) string { return t.Prefix + ".alerts.*." + orderID }

// OrderWarnings matches one order's warnings of every SLA.
func (t Topology) OrderWarnings(orderID string) string { return t.Prefix + ".warnings.*." + orderID }

// WarningSubject carries an order's at-risk warnings of one SLA.
func (t Topology) WarningSubject(sla order.SLA, orderID string) string {
	return t.Prefix + ".warnings." + string(sla) + "." + orderID
}

// OutputSubject is where an update goes: alerts for breaches and their
// retractions, warnings for SLA_AT_RISK, updates otherwise.
func (t Topology) OutputSubject(u order.Update) string {
	switch u.Type {
	case order.UpdateBreach, order.UpdateRetracted:
		return t.AlertSubject(u.SLA, u.OrderID)
	case order.UpdateAtRisk:
		return t.WarningSubject(u.SLA, u.OrderID)
	}
	return t.UpdateSubject(u.OrderID)
}

// OutputSubjects are the subjects of the ORDER_UPDATES stream.
func (t Topology) OutputSubjects() []string {
	return []string{t.Prefix + ".updates.>", t.Prefix + ".alerts.>", t.Prefix + ".warnings.>"}
}

// DLQSubject carries dead letters of one reason.
func (t Topology) DLQSubject(r order.Reason) string { return t.Prefix + ".dlq." + string(r) }

// SlotSchedule is the subject of one schedule of partition p for the time
// slot starting at slot (Unix milliseconds). token makes it unique: each
// batch writes its own schedule per slot, which the server deletes once it
// fired (see docs/timers.md).
func (t Topology) SlotSchedule(p int, slot int64, token string) string {
	return t.Prefix + ".sla.sched." + strconv.Itoa(p) + "." + strconv.FormatInt(slot, 10) + "." + token
}

// SlotSchedulesWildcard matches every pending slot schedule.
func (t Topology) SlotSchedulesWildcard() string { return t.Prefix + ".sla.sched.>" }

// SlotFired is where the schedules of partition p for a slot land when they
// fire: the fired message carries the list of orders to check.
func (t Topology) SlotFired(p int, slot int64) string {
	return t.Prefix + ".sla.fired." + strconv.Itoa(p) + "." + strconv.FormatInt(slot, 10)
}

// FiredFilter matches the fired checks of partition p.
func (t Topology) FiredFilter(p int) string { return fmt.Sprintf("%s.sla.fired.%d.>", t.Prefix, p) }

// SLAWildcard matches every subject of ORDER_SLA.
func (t Topology) SLAWildcard() string { return t.Prefix + ".sla.>" }

// Partition returns the partition of an order: the same fnv32a hash modulo P
// that the stream's {{partition}} transform uses.
func (t Topology) Partition(orderID string) int {
	h := fnv.New32a()
	h.Write([]byte(orderID))
	return int(h.Sum32() % uint32(t.Partitions))
}

// OrderFromSubject returns the last token of a subject: the order id.
func OrderFromSubject(subject string) string {
	return subject[strings.LastIndexByte(subject, '.')+1:]
}

// AlertFilter matches the breaches (and retractions) of one SLA.
func (t Topology) AlertFilter(sla order.SLA) string {
	return t.Prefix + ".alerts." + string(sla) + ".*"
}

// UpdatesWildcard matches every lifecycle update on ORDER_UPDATES.
func (t Topology) UpdatesWildcard() string { return t.Prefix + ".updates.>" }

// OrderAlertsFilter matches every breach and retraction of one order.
func (t Topology) OrderAlertsFilter(orderID string) string { return t.Prefix + ".alerts.*." + orderID }

// WarningFilter matches the at-risk warnings of one SLA.
func (t Topology) WarningFilter(sla order.SLA) string {
	return t.Prefix + ".warnings." + string(sla) + ".*"
}

// DLQWildcard matches every dead letter.
func (t Topology) DLQWildcard() string { return t.Prefix + ".dlq.>" }

// DLQReason returns the reason token of a dead letter's subject.
func (t Topology) DLQReason(subject string) (order.Reason, bool) {
	r, ok := strings.CutPrefix(subject, t.Prefix+".dlq.")
	return order.Reason(r), ok
}

// IsFired reports whether a subject is a fired SLA check's.
func (t Topology) IsFired(subject string) bool {
	return strings.HasPrefix(subject, t.Prefix+".sla.fired.")
}

// IsAlert reports whether a subject is a breach's or retraction's.
func (t Topology) IsAlert(subject string) bool {
	return strings.HasPrefix(subject, t.Prefix+".alerts.")
}

// IsEvent reports whether a subject is an input event's (as published or
// as stored).
func (t Topology) IsEvent(subject string) bool {
	return strings.HasPrefix(subject, t.Prefix+".events.")
}

// AlertsWildcard matches every breach and retraction on ORDER_UPDATES.
func (t Topology) AlertsWildcard() string { return t.Prefix + ".alerts.>" }

// WarningsWildcard matches every at-risk warning on ORDER_UPDATES.
func (t Topology) WarningsWildcard() string { return t.Prefix + ".warnings.>" }

// WatchFilters are the ORDER_UPDATES subjects watch follows: updates,
// alerts and warnings of every order or of orderID; alertsOnly leaves out
// the updates.
func (t Topology) WatchFilters(orderID string, alertsOnly bool) []string {
	updates, alerts, warnings := t.UpdatesWildcard(), t.AlertsWildcard(), t.WarningsWildcard()
	if orderID != "" {
		updates, alerts, warnings = t.UpdateSubject(orderID), t.OrderAlertsFilter(orderID), t.OrderWarnings(orderID)
	}
	if alertsOnly {
		return []string{alerts, warnings}
	}
	return []string{updates, alerts, warnings}
}

// NotifyConsumer names the durable consumer of one webhook.
func (t Topology) NotifyConsumer(webhook string) string { return "ordertrack-notify-" + webhook }

// InstancesBucket is the KV bucket of instance heartbeats: one key per
// running instance (<subjects.prefix>.<instance>) with a per-key TTL of
// streaming.pinned_ttl, renewed every third of it. A key that expires is
// an instance that stopped heartbeating (crashed, or cut off from NATS).
const InstancesBucket = "ORDERTRACK_INSTANCES"

// InstanceKey is the KV key of an instance's heartbeat in InstancesBucket:
// the prefix and the name, with characters a key cannot hold replaced by '_'.
func (t Topology) InstanceKey(name string) string {
	return t.Prefix + "." + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '=':
			return r
		}
		return '_'
	}, name)
}

// RecomputeKey is partition p's recompute marker in InstancesBucket (the
// terms it was last recomputed under); it is outside the "<prefix>." keys
// of the heartbeats.
func (t Topology) RecomputeKey(p int) string {
	return "recompute." + t.Prefix + ".p" + strconv.Itoa(p)
}

// StoredEventSubject is where the stream's subject transform stores an
// order's events: in its partition.
func (t Topology) StoredEventSubject(orderID string) string {
	return t.Prefix + ".events." + strconv.Itoa(t.Partition(orderID)) + "." + orderID
}

// Wildcard matches every subject of the prefix.
func (t Topology) Wildcard() string { return t.Prefix + ".>" }

// UpdatesFilter matches the lifecycle updates of every order (one token
// after updates, as the dashboard's at-risk list follows them).
func (t Topology) UpdatesFilter() string { return t.Prefix + ".updates.*" }

// KVStream names the stream that holds a KV bucket.
func (Topology) KVStream(bucket string) string { return kv.StreamName(bucket) }

// KVSubject is the subject of one key of a KV bucket.
func (Topology) KVSubject(bucket, key string) string { return kv.KeySubject(bucket, key) }

// KVWildcard matches every key of a KV bucket.
func (t Topology) KVWildcard(bucket string) string { return t.KVSubject(bucket, ">") }

// HeartbeatSubject is the subject of an instance's heartbeat in
// InstancesBucket.
func (t Topology) HeartbeatSubject(name string) string {
	return t.KVSubject(InstancesBucket, t.InstanceKey(name))
}

// HeartbeatsFilter matches the heartbeats of the prefix's instances.
func (t Topology) HeartbeatsFilter() string { return t.KVSubject(InstancesBucket, t.Wildcard()) }

// API is the JetStream API subject of tokens, e.g. API("STREAM", "INFO",
// EventsStream); a last token "*" or ">" makes it a wildcard.
func (Topology) API(tokens ...string) string { return "$JS.API." + strings.Join(tokens, ".") }

// Ack is the subject of acknowledgements to stream's consumers: tokens
// follow the stream's name (">" for all of them).
func (Topology) Ack(stream string, tokens ...string) string {
	return "$JS.ACK." + stream + "." + strings.Join(tokens, ".")
}

// FlowControl is the subject of flow control of stream's push consumers:
// tokens follow the stream's name (">" for all of them).
func (Topology) FlowControl(stream string, tokens ...string) string {
	return "$JS.FC." + stream + "." + strings.Join(tokens, ".")
}

// InboxWildcard matches every reply inbox.
func (Topology) InboxWildcard() string { return nats.InboxPrefix + ">" }
