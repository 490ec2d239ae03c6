package pipeline

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// delivery is a message handed from a consumer to its partition worker.
type delivery struct {
	msg   jetstream.Msg
	timer bool // a fired SLA check rather than an input event
	// exhausted, when set, says why the message failed for good on its
	// last allowed delivery: the next batch dead-letters it.
	exhausted string
}

// isTimer reports whether m is a fired SLA check (from ORDER_SLA).
func isTimer(m jetstream.Msg) bool {
	md, err := m.Metadata()
	return err == nil && md.Stream == contract.SLAStream
}
