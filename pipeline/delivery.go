package pipeline

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// delivery is a message handed from a consumer to its partition worker.
type delivery struct {
	msg   jetstream.Msg
	timer bool // a fired SLA check rather than an input event
	// from is the feed that delivered it (nil when built otherwise); its
	// deliveries are dropped once it is stale.
	from *feed
	// exhausted, when set, says why the message failed for good on its
	// last allowed delivery: the next batch dead-letters it.
	exhausted string
}

// stale reports whether d came from a feed that is no longer current:
// the consumer was rewound since, and delivers it again.
func (d delivery) stale() bool { return d.from != nil && d.from.isStale() }

// isTimer reports whether m is a fired SLA check (from ORDER_SLA).
func isTimer(m jetstream.Msg) bool {
	md, err := m.Metadata()
	return err == nil && md.Stream == contract.SLAStream
}
