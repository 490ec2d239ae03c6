package contract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Grant is one NATS permission that `ordertrack run` (and the read-only
// commands) need. scripts/deploy/nats/accounts.conf ships them as the
// ordertrack user and docs/permissions.md explains them; a test checks that
// the file grants exactly these.
type Grant struct {
	Subscribe bool   // a subscribe permission; otherwise publish
	Subject   string // as granted, wildcards included
	Why       string
	// probe is a concrete subject under Subject that CheckPermissions
	// publishes (or subscribes) to at start. It must be harmless: output
	// subjects carry a Nats-Expected-Stream no stream has, so nothing is
	// stored; API requests carry no reply and a body that is not JSON, and
	// consumer-level ones name a consumer that does not exist.
	probe string
}

// probeName is an order id and a consumer name that never exist.
const probeName = "ordertrack-permission-probe"

// ProbeHeader marks the messages of CheckPermissions. JetStream stores none
// of them, but a core NATS subscriber to an output subject (orders.alerts.>)
// sees one per grant and start, and can skip it by this header.
const ProbeHeader = "Ordertrack-Probe"

// Grants lists the permissions ordertrack needs on topology t: its output,
// timer, dead-letter and KV subjects, the JetStream API calls on its own
// streams and consumers, acks, flow control and reply inboxes. Whoever adds
// a NATS call adds its grant here (and to the shipped config).
func Grants(t Topology) []Grant {
	g := []Grant{
		pub(t.UpdatesWildcard(), "lifecycle updates and rejections", t.UpdateSubject(probeName)),
		pub(t.AlertsWildcard(), "SLA breaches and retractions", t.AlertSubject(order.SLAProcessing, probeName)),
		pub(t.WarningsWildcard(), "SLA at-risk warnings", t.WarningSubject(order.SLAProcessing, probeName)),
		pub(t.SLAWildcard(), "SLA timers (message schedules) and their cancellation", t.SlotSchedule(0, 0, probeName)),
		pub(t.DLQWildcard(), "dead letters", t.DLQSubject(probeName)),
		pub(t.KVWildcard(OrdersBucket), "order state writes (compare-and-set)", t.KVSubject(OrdersBucket, probeName)),
		pub(t.KVWildcard(InstancesBucket), "instance heartbeats (partition ownership)", t.KVSubject(InstancesBucket, probeName)),
		pub(t.KVWildcard(RiskBucket), "learned-risk model merges (compare-and-set)", t.KVSubject(RiskBucket, probeName)),
		pub(t.API("INFO"), "health: JetStream account info", ""),
	}
	kvStream := t.KVStream(OrdersBucket)
	instStream := t.KVStream(InstancesBucket)
	riskStream := t.KVStream(RiskBucket)
	all := []string{EventsStream, SLAStream, UpdatesStream, DLQStream, kvStream, instStream, riskStream}
	for _, s := range all {
		g = append(g,
			pub(t.API("STREAM", "INFO", s), "look up and verify "+s, ""),
			pub(t.API("STREAM", "CREATE", s), "create "+s+" when missing", ""),
			pub(t.API("STREAM", "UPDATE", s), "update "+s+"'s limits and subjects in place", ""),
			pub(t.API("STREAM", "MSG", "GET", s), "read one message of "+s, ""),
			pub(t.API("DIRECT", "GET", s), "direct get on "+s, ""),
			pub(t.API("DIRECT", "GET", s, ">"), "direct get of the last message of a subject on "+s, t.API("DIRECT", "GET", s, t.Prefix, probeName)),
			pub(t.API("CONSUMER", "CREATE", s, ">"), "create or update consumers on "+s, t.API("CONSUMER", "CREATE", s, probeName, t.Prefix, "x")),
			pub(t.API("CONSUMER", "INFO", s, "*"), "verify consumers on "+s, t.API("CONSUMER", "INFO", s, probeName)),
		)
	}
	// Pull consumers: the partition durables, the notifiers' and the
	// readers' ordered consumers; the KV watch is a push consumer.
	for _, s := range []string{EventsStream, SLAStream, UpdatesStream, DLQStream} {
		g = append(g, pub(t.API("CONSUMER", "MSG", "NEXT", s, "*"), "pull from consumers on "+s, t.API("CONSUMER", "MSG", "NEXT", s, probeName)))
	}
	for _, s := range []string{SLAStream, UpdatesStream, DLQStream, kvStream, instStream, riskStream} {
		g = append(g, pub(t.API("CONSUMER", "DELETE", s, "*"), "remove the short-lived readers' consumers on "+s, t.API("CONSUMER", "DELETE", s, probeName)))
	}
	for _, s := range []string{EventsStream, SLAStream} {
		g = append(g, pub(t.API("CONSUMER", "LIST", s), "per-partition progress (status, metrics, health)", ""))
	}
	for _, s := range []string{EventsStream, SLAStream} {
		g = append(g, pub(t.API("CONSUMER", "RESET", s, "*"), "take a partition over: rewind its consumer to the ack floor", t.API("CONSUMER", "RESET", s, probeName)))
	}
	for _, s := range []string{EventsStream, SLAStream, UpdatesStream} {
		g = append(g,
			pub(t.API("CONSUMER", "UNPIN", s, "*"), "hand a partition over on stop", t.API("CONSUMER", "UNPIN", s, probeName)),
			pub(t.Ack(s, ">"), "acknowledge messages of "+s, t.Ack(s, probeName, "1", "1", "1", "1", "0")),
		)
	}
	return append(g,
		pub(t.FlowControl(kvStream, ">"), "flow control of the order watch", t.FlowControl(kvStream, probeName)),
		pub(t.FlowControl(instStream, ">"), "flow control of the instances watch", t.FlowControl(instStream, probeName)),
		pub(t.FlowControl(riskStream, ">"), "flow control of the learned-risk watch", t.FlowControl(riskStream, probeName)),
		Grant{Subscribe: true, Subject: t.InboxWildcard(), Why: "replies: JetStream API, publish acks, pulled messages"},
		Grant{Subscribe: true, Subject: t.UpdatesFilter(), Why: "the dashboard's at-risk list follows lifecycle updates"},
	)
}

func pub(subject, why, probe string) Grant {
	if probe == "" {
		probe = subject
	}
	return Grant{Subject: subject, Why: why, probe: probe}
}

// CheckPermissions tries every grant once and fails naming each one the
// server denied. NATS reports a denied publish or subscribe asynchronously
// (-ERR before the reply to the next PING), so each probe is followed by a
// flush; a denied API request would otherwise just time out later.
func CheckPermissions(ctx context.Context, nc *nats.Conn, grants []Grant) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	var denied []string
	for _, g := range grants {
		before := nc.LastError()
		if err := probe(nc, g); err != nil {
			return fmt.Errorf("check permission %s: %w", g.Subject, err)
		}
		if err := nc.FlushWithContext(ctx); err != nil {
			return fmt.Errorf("check permission %s: %w", g.Subject, err)
		}
		if err := nc.LastError(); err != before && errors.Is(err, nats.ErrPermissionViolation) {
			verb := "publish to"
			if g.Subscribe {
				verb = "subscribe to"
			}
			denied = append(denied, fmt.Sprintf("%s %q (%s)", verb, g.Subject, g.Why))
		}
	}
	if len(denied) > 0 {
		return fmt.Errorf("%w: %s; grant them to this user as in scripts/deploy/nats/accounts.conf (see docs/permissions.md)",
			ErrPermissionDenied, strings.Join(denied, ", "))
	}
	return nil
}

func probe(nc *nats.Conn, g Grant) error {
	subject := g.probe
	if subject == "" {
		subject = g.Subject
	}
	if g.Subscribe {
		sub, err := nc.SubscribeSync(strings.Replace(subject, ">", nats.NewInbox()[len("_INBOX."):], 1))
		if err != nil {
			return err
		}
		defer sub.Unsubscribe()
		return nil
	}
	m := nats.NewMsg(subject)
	m.Header.Set("Nats-Expected-Stream", probeName)
	m.Header.Set(ProbeHeader, "permissions")
	m.Data = []byte(probeName)
	return nc.PublishMsg(m)
}
