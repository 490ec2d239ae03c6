package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// ErrNotReady is wrapped by Ready's errors.
var ErrNotReady = errors.New("not ready")

// Ready reports whether the pipeline can do its work: the connection is up,
// the streams and every partition's consumers exist and answer, each
// partition is served by an instance (pinned, or waiting for messages) and
// none is Stuck. The error says which of these failed and, where there is
// one, the fix.
//
// It also returns a warning for each account limit (max_consumers,
// max_streams) LimitWarnPercent or more in use: the running pipeline goes
// on with the consumers it has, so that is no reason to take it out of
// service (/readyz stays 200 and shows the warnings), but a new instance,
// watch or a new webhook would be refused at the limit.
func Ready(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, topo contract.Topology) (warnings []string, err error) {
	if st := nc.Status(); st != nats.CONNECTED {
		return nil, fmt.Errorf("%w: NATS connection is %s", ErrNotReady, strings.ToLower(st.String()))
	}
	info, err := js.AccountInfo(ctx)
	switch {
	case timedOut(err):
		return nil, fmt.Errorf("%w: JetStream did not answer: %v\nfix: %s", ErrNotReady, err, NoAnswerFix)
	case err != nil:
		warnings = []string{fmt.Sprintf("the account's limits could not be read: %v", err)}
	default:
		warnings = LimitWarnings(info)
	}
	return warnings, ready(ctx, js, topo)
}

func ready(ctx context.Context, js jetstream.JetStream, topo contract.Topology) error {
	parts, err := Partitions(ctx, js, topo)
	if timedOut(err) {
		return fmt.Errorf("%w: JetStream did not answer: %v\nfix: %s", ErrNotReady, err, NoAnswerFix)
	}
	if err != nil {
		return fmt.Errorf("%w: not provisioned: %v", ErrNotReady, err)
	}
	var lines []string
	var missing, idle []string
	for _, p := range parts {
		switch {
		case p.Events == nil:
			missing = append(missing, topo.EventsConsumer(p.Index))
		case p.Timers == nil:
			missing = append(missing, topo.TimersConsumer(p.Index))
		case !p.Served():
			idle = append(idle, fmt.Sprint(p.Index))
		}
	}
	if len(missing) > 0 {
		lines = append(lines, "consumers missing: "+strings.Join(missing, ", ")+"\nfix: run 'ordertrack run', which creates them")
	}
	if len(idle) > 0 {
		lines = append(lines, "no instance consumes partitions "+strings.Join(idle, ", "))
	}
	stuck, err := Stuck(ctx, js, topo, parts, time.Now())
	if timedOut(err) {
		return fmt.Errorf("%w: JetStream did not answer: %v\nfix: %s", ErrNotReady, err, NoAnswerFix)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotReady, err)
	}
	for _, p := range stuck {
		lines = append(lines, p.What+"\nfix: "+p.Fix)
	}
	if len(lines) > 0 {
		return fmt.Errorf("%w: %s", ErrNotReady, strings.Join(lines, "\n"))
	}
	return nil
}
