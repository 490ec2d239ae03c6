package contract

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
)

// JetStream API error codes that mean "the cluster cannot answer right
// now" (nats-server's JSClusterNotAvailErr, JSClusterNoPeersErr,
// JSClusterNotLeaderErr, JSStreamOfflineErr, JSInsufficientResourcesErr).
var transientCodes = map[jetstream.ErrorCode]bool{10008: true, 10005: true, 10009: true, 10118: true, 10023: true}

// Transient reports whether err is a fault of NATS rather than of the
// message: timeouts, no responders, a connection down or reconnecting, a
// leader election, a compare-and-set lost against another writer. Such
// errors are retried for as long as they last (the pipeline's batches,
// Provision at start); any other error counts as a failed delivery of the
// message (streaming.max_deliver). This is the one place that classifies
// errors.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	for _, t := range []error{
		context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, jetstream.ErrNoStreamResponse,
		jetstream.ErrAsyncPublishTimeout, jetstream.ErrTooManyStalledMsgs, jetstream.ErrServerShutdown,
		nats.ErrConnectionClosed, nats.ErrConnectionDraining, nats.ErrConnectionReconnecting,
		nats.ErrDisconnected, nats.ErrStaleConnection, jetstream.ErrJetStreamNotEnabled, kv.ErrConflict,
	} {
		if errors.Is(err, t) {
			return true
		}
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code >= 500 || apiErr.Code == 408 || transientCodes[apiErr.ErrorCode]
	}
	return false
}
