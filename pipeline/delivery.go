package pipeline

import "github.com/nats-io/nats.go/jetstream"

// delivery is a message handed from a consumer to its partition worker.
type delivery struct {
	msg   jetstream.Msg
	timer bool // a fired SLA check rather than an input event
	// exhausted, when set, says why the message failed for good on its
	// last allowed delivery: the next batch dead-letters it.
	exhausted string
}
