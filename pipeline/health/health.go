package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
)

// Timeout bounds each check's NATS requests.
const Timeout = 5 * time.Second

// stallSample is the least time between the two samples of consumer
// progress that tell a stalled consumer from a slow one.
const stallSample = time.Second

// fail is a failed check: what went wrong and how to fix it.
func fail(fix, format string, args ...any) *contract.Problem {
	return &contract.Problem{What: fmt.Sprintf(format, args...), Fix: fix}
}

// Dial connects to NATS as configured; close releases the connection.
type Dial func() (nc *nats.Conn, js jetstream.JetStream, close func(), err error)

// check is one line of the report: a name, and a run that returns the
// detail shown on success. Once JetStream fails or does not answer, the
// later checks that need it are skipped: each would wait for its own
// timeout.
type check struct {
	name    string
	run     func(ctx context.Context) (string, error)
	needsJS bool
}

const (
	checkNATS      = "NATS reachable"
	checkJetStream = "JetStream"
)

// Checker holds what the checks share: the configuration and the connection.
type Checker struct {
	cfg    config.Config
	topo   contract.Topology
	dial   Dial
	nc     *nats.Conn
	js     jetstream.JetStream
	close  func()
	jsDown bool // JetStream failed or did not answer: skip what needs it
}

// New returns the checks of cfg, connecting with dial.
func New(cfg config.Config, dial Dial) *Checker {
	return &Checker{cfg: cfg, topo: contract.TopologyOf(cfg), dial: dial}
}

// Close releases the connection the checks made.
func (h *Checker) Close() {
	if h.close != nil {
		h.close()
		h.close = nil
	}
}

// Run runs every check in order, calls report with each one's result and
// returns the names of those that failed (skipped ones included; a
// *Warning is reported but does not fail).
func (h *Checker) Run(ctx context.Context, report func(name, detail string, err error)) (failed []string) {
	for _, c := range h.checks() {
		if skip := h.skip(c); skip != nil {
			report(c.name, "", skip)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, Timeout+stallSample+h.cfg.Streaming.TriggerInterval)
		detail, err := c.run(cctx)
		cancel()
		if err != nil && ctx.Err() == nil && timedOut(err) {
			err = fail(monitor.NoAnswerFix, "no answer within %s: %v", Timeout, err)
			h.jsDown = true
		}
		if err != nil && c.name == checkJetStream {
			h.jsDown = true
		}
		report(c.name, detail, err)
		var w *Warning
		if err != nil && !errors.As(err, &w) {
			failed = append(failed, c.name)
		}
	}
	return failed
}

// skip returns why check c is skipped after an earlier failure, or nil.
func (h *Checker) skip(c check) error {
	switch {
	case h.nc == nil && c.name != checkNATS:
		return errNoNATS
	case h.jsDown && c.needsJS:
		return errNoJetStream
	}
	return nil
}

// timedOut reports whether err is a request that got no answer in time.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

func (h *Checker) checks() []check {
	cs := []check{
		{name: checkNATS, run: h.connect},
		{name: checkJetStream, run: h.jetStream, needsJS: true},
		{name: "Server version", run: h.version},
		{name: "Account limits", run: h.limits, needsJS: true},
	}
	for _, s := range contract.Streams(h.cfg) {
		cs = append(cs, check{name: "Stream " + s.Name, run: func(ctx context.Context) (string, error) { return h.stream(ctx, s) }, needsJS: true})
	}
	cs = append(cs,
		check{name: "Bucket " + contract.OrdersBucket, run: h.bucket, needsJS: true},
		check{name: "Bucket " + contract.RiskBucket, run: h.riskBucket, needsJS: true},
		check{name: "Consumers", run: h.consumers, needsJS: true},
		check{name: "Consumer progress", run: h.progress, needsJS: true},
	)
	if h.cfg.Ingest.Kafka.Enabled {
		cs = append(cs, check{name: "Kafka", run: h.kafka})
	}
	return cs
}
