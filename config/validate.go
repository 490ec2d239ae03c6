package config

import (
	"errors"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks every value and the rules between keys. It reports all
// problems joined, each naming its dotted key and the reason, such as
// `config key "sla.processing": must be > 0 (got "-1h")`.
func (c Config) Validate() error {
	var p problems
	c.validateNATS(&p)
	c.validateStreaming(&p)
	c.validateSLA(&p)
	c.validateCalendars(&p)
	c.validateRest(&p)
	c.validateNotify(&p)
	c.validateIngest(&p)
	return errors.Join(p...)
}

// problems collects validation errors.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, invalid(key, format, args...))
}

// oneOf checks that v is one of the allowed values.
func (p *problems) oneOf(key, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.add(key, "must be one of %s (got %q)", strings.Join(allowed, ", "), v)
	}
}

// intRange checks lo <= v <= hi.
func (p *problems) intRange(key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(key, "must be between %d and %d (got %d)", lo, hi, v)
	}
}

// atLeast checks v >= lo for a duration.
func (p *problems) atLeast(key string, v, lo time.Duration) {
	if v < lo {
		p.add(key, "must be >= %s (got %q)", formatDuration(lo), formatDuration(v))
	}
}

// positive checks v > 0 for a duration.
func (p *problems) positive(key string, v time.Duration) {
	if v <= 0 {
		p.add(key, "must be > 0 (got %q)", formatDuration(v))
	}
}

// hostPort checks a host:port listen address.
func (p *problems) hostPort(key, v string) {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		p.add(key, "must be host:port such as 127.0.0.1:4222 (got %q)", v)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > math.MaxUint16 {
		p.add(key, "port must be a number from 0 to 65535 (got %q)", v)
	}
}

func (c Config) validateNATS(p *problems) {
	n := c.NATS
	if n.URL != "" {
		validateURLs(p, n.URL)
	}
	if c.Embedded() && n.Embedded.StoreDir == "" {
		p.add("nats.embedded.store_dir", `must not be empty when the embedded server is used (nats.url "")`)
	}
	p.hostPort("nats.embedded.listen", n.Embedded.Listen)
	if c.Embedded() {
		if err := n.CheckEmbeddedListen(); err != nil {
			*p = append(*p, err)
		}
	}
	if n.User != "" && n.Password == "" {
		p.add("nats.password", "must be set when nats.user is set")
	}
	if n.Password != "" && n.User == "" {
		p.add("nats.user", "must be set when nats.password is set")
	}
	if (n.TLS.Cert == "") != (n.TLS.Key == "") {
		p.add("nats.tls.key", "nats.tls.cert and nats.tls.key must be set together (got cert %q, key %q)", n.TLS.Cert, n.TLS.Key)
	}
	p.intRange("nats.replicas", n.Replicas, 1, 5)
	c.validatePrefix(p)
}

// CheckEmbeddedListen fails, naming nats.embedded.listen and what to set,
// when the embedded server would listen beyond loopback with nothing to
// authenticate its clients: loopback is the open dev mode; any other
// address needs nats.token or nats.user and nats.password, which the
// embedded server then requires of every client (SPEC section 7). A
// malformed address is left to the host:port check.
func (n NATS) CheckEmbeddedListen() error {
	if _, _, err := net.SplitHostPort(n.Embedded.Listen); err != nil || loopback(n.Embedded.Listen) {
		return nil
	}
	if n.Token != "" || n.User != "" && n.Password != "" {
		return nil
	}
	return invalid("nats.embedded.listen", "%q is reachable from other machines and the embedded server would let any client in: "+
		"set nats.token (or nats.user and nats.password), which every client must then present, or listen on 127.0.0.1", n.Embedded.Listen)
}

// validateURLs checks a comma-separated URL list for empty or spaced
// entries. It names the bad entry by position, not by value: a URL may
// hold a password.
func validateURLs(p *problems, urls string) {
	entries := strings.Split(urls, ",")
	for i, u := range entries {
		if u = strings.TrimSpace(u); u == "" || strings.ContainsAny(u, " \t") {
			p.add("nats.url", "must be a comma-separated list of URLs such as nats://host:4222 (entry %d of %d is empty or has a space)", i+1, len(entries))
			return
		}
	}
}

func (c Config) validatePrefix(p *problems) {
	prefix := c.Subjects.Prefix
	for tok := range strings.SplitSeq(prefix, ".") {
		if tok == "" || strings.ContainsAny(tok, " \t\r\n*>") {
			p.add("subjects.prefix", `must be dot-separated tokens without spaces, "*", ">" or empty tokens, such as "orders" or "acme.orders" (got %q)`, prefix)
			return
		}
	}
}

func (c Config) validateStreaming(p *problems) {
	s := c.Streaming
	p.intRange("streaming.partitions", s.Partitions, 1, 1024)
	p.atLeast("streaming.trigger_interval", s.TriggerInterval, 0)
	p.intRange("streaming.max_batch", s.MaxBatch, 1, 10000)
	p.atLeast("streaming.ack_wait", s.AckWait, time.Second)
	if s.AckWait <= s.TriggerInterval {
		p.add("streaming.ack_wait", "must be > streaming.trigger_interval %s, or batches are redelivered before they run (got %q)",
			formatDuration(s.TriggerInterval), formatDuration(s.AckWait))
	}
	if s.MaxDeliver < 1 {
		p.add("streaming.max_deliver", "must be >= 1 (got %d)", s.MaxDeliver)
	}
	if s.AckWait > 0 && s.MaxDeliver > 0 {
		// Compare by division: ack_wait*max_deliver may overflow.
		if s.MaxDeliver > int(s.DuplicateWindow/s.AckWait) {
			p.add("streaming.duplicate_window", "must be >= streaming.ack_wait × streaming.max_deliver (%s × %d) so that redeliveries fall inside the de-duplication window (got %q)",
				formatDuration(s.AckWait), s.MaxDeliver, formatDuration(s.DuplicateWindow))
		}
	}
	p.atLeast("streaming.pinned_ttl", s.PinnedTTL, 2*time.Second)
}

func (c Config) validateSLA(p *problems) {
	s := c.SLA
	p.positive("sla.processing", s.Processing)
	p.positive("sla.shipping", s.Shipping)
	p.positive("sla.delivery", s.Delivery)
	p.oneOf("sla.clock", s.Clock, ClockEvent, ClockProcessing)
	p.oneOf("sla.recompute", s.Recompute, RecomputeNew, RecomputeOpen)
	p.atLeast("sla.max_clock_skew", s.MaxClockSkew, 0)
	p.atLeast("sla.grace", s.Grace, 0)
	c.validateSLATerms(p)
}

func (c Config) validateRest(p *problems) {
	r := c.Retention
	if r.CompletedOrders != 0 && r.CompletedOrders < time.Second {
		p.add("retention.completed_orders", "must be 0 (keep forever) or >= 1s (got %q)", formatDuration(r.CompletedOrders))
	}
	p.atLeast("retention.updates", r.Updates, 0)
	g := c.Generator
	p.oneOf("generator.enabled", g.Enabled, "auto", "true", "false")
	if !(g.Rate > 0) || math.IsInf(g.Rate, 0) {
		p.add("generator.rate", "must be a number > 0 (got %v)", g.Rate)
	}
	p.oneOf("generator.scenario", g.Scenario, "realistic", "sample")
	p.oneOf("generator.demo_sla", g.DemoSLA, "auto", "true", "false")
	if _, err := c.Instance.MemoryLimit.Bytes(); err != nil {
		p.add("instance.memory_limit", "%v", err)
	}
	if c.Output.MaxRows < 1 {
		p.add("output.max_rows", "must be >= 1 (got %d)", c.Output.MaxRows)
	}
	if c.Monitor.TenantLabelLimit < 1 {
		p.add("monitor.tenant_label_limit", "must be at least 1, got %d", c.Monitor.TenantLabelLimit)
	}
	if c.Monitor.MaxStreams < 1 {
		p.add("monitor.max_streams", "must be at least 1, got %d", c.Monitor.MaxStreams)
	}
	if c.Monitor.Listen != "" {
		p.hostPort("monitor.listen", c.Monitor.Listen)
		if c.Monitor.AuthToken == "" && !c.Monitor.AllowInsecure && !loopback(c.Monitor.Listen) {
			p.add("monitor.listen", "%q is reachable from other machines: set monitor.auth_token, or monitor.allow_insecure=true to serve it without one", c.Monitor.Listen)
		}
	}
	p.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	p.oneOf("log.format", c.Log.Format, "text", "json")
}

// loopback reports whether a host:port listen address is on the loopback
// interface only: localhost or a loopback IP ("" and 0.0.0.0 are every
// interface).
func loopback(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
