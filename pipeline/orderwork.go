package pipeline

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// orderWork is the work of one batch for one order.
type orderWork struct {
	id     string
	events []order.Event
	inputs []input
	// checks counts the fired slots of the batch that list the order;
	// checkAt is the latest instant they were set for.
	checks  int
	checkAt time.Time
	// recompute says a fired slot asked to choose the order's rule again
	// (sla.recompute: open).
	recompute bool

	base    cached // state before the batch
	after   order.State
	updates []order.Update
	due     []order.Deadline // new check instants: timers to set
	write   *kv.Write
	rev     uint64
	err     error
}

// input is a delivered message with its JetStream metadata, parsed once.
type input struct {
	msg jetstream.Msg
	md  *jetstream.MsgMetadata
}
