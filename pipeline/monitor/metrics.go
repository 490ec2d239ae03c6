package monitor

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// metricPrefix starts every metric name; the Go runtime's and the
// process's collectors get it when registered.
const metricPrefix = "ordertrack_"

// scrapeTimeout bounds the NATS requests of one scrape.
const scrapeTimeout = 3 * time.Second

// descs are the metric descriptions of the collector.
type descs struct {
	events, batches, updates, breaches, dead, conflicts, redeliveries *prometheus.Desc
	warnings, outcomes                                                *prometheus.Desc
	batchSize, batchDuration, latency, stages                         *prometheus.Desc
	lag, ackPending, redelivered, owned, connected                    *prometheus.Desc
	openOrders, timers, scanAge                                       *prometheus.Desc
}

// stageHelp says what each value of ordertrack_stage_seconds{stage} times.
const stageHelp = "Time each committed input (event or fired SLA check) spent in each stage of its batch: " +
	"fetch (JetStream stored it -> its worker took it into a batch), commit (-> its order's state committed to KV), " +
	"publish (-> the batch's outputs and timers stored), ack (-> the input acked). The stages add up to the time from storing to ack."

func newDescs() descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("ordertrack_"+name, help, labels, nil)
	}
	return descs{
		events:        d("events_processed_total", "Input events and fired SLA checks processed, by event type and outcome.", "type", "outcome"),
		batches:       d("batches_total", "Micro-batches processed."),
		updates:       d("updates_emitted_total", "Updates and alerts emitted to ORDER_UPDATES."),
		breaches:      d("sla_breaches_total", "SLA breaches emitted, by SLA.", "sla"),
		warnings:      d("sla_warnings_total", "SLA_AT_RISK warnings emitted, by SLA.", "sla"),
		outcomes:      d("sla_outcomes_total", "SLAs that ended, by SLA, tenant (past monitor.tenant_label_limit: other) and outcome (met, breached, cancelled, retracted).", "sla", "tenant", "outcome"),
		dead:          d("dead_letters_total", "Input messages sent to ORDER_DLQ, by reason.", "reason"),
		conflicts:     d("kv_conflicts_total", "Order state writes that lost a compare-and-set and were retried."),
		redeliveries:  d("redeliveries_total", "Processed messages that JetStream had delivered more than once."),
		batchSize:     d("batch_size", "Messages per micro-batch."),
		batchDuration: d("batch_duration_seconds", "Time to process one micro-batch, from decode to ack."),
		latency:       d("end_to_end_latency_seconds", "Time from JetStream storing a message to its batch committing, by source (event, sla_check).", "source"),
		stages:        d("stage_seconds", stageHelp, "stage"),
		lag:           d("consumer_lag", "Messages not yet delivered, per partition and consumer (events, timers).", "partition", "consumer"),
		ackPending:    d("consumer_ack_pending", "Messages delivered but not yet acknowledged, per partition and consumer.", "partition", "consumer"),
		redelivered:   d("consumer_redelivered", "Unacknowledged messages delivered more than once, per partition and consumer.", "partition", "consumer"),
		owned:         d("partition_owned", "1 when this instance owns the partition (runs its worker), else 0.", "partition"),
		connected:     d("nats_connected", "1 while the NATS connection is up."),
		openOrders:    d("open_orders", "Orders in the ORDERS bucket that are not delivered or cancelled, by status (from the read model).", "status"),
		timers:        d("sla_timers_pending", "Orders with a pending SLA check, by SLA (from the read model).", "sla"),
		scanAge:       d("orders_scan_age_seconds", "Seconds since the read model of the ORDERS bucket was last current (0 while it follows the bucket)."),
	}
}

// all lists every description (a sample of a metric missing here fails
// the scrape: the registry refuses undescribed metrics).
func (d descs) all() []*prometheus.Desc {
	return []*prometheus.Desc{d.events, d.batches, d.updates, d.breaches, d.dead, d.conflicts, d.redeliveries,
		d.warnings, d.outcomes, d.batchSize, d.batchDuration, d.latency, d.stages,
		d.lag, d.ackPending, d.redelivered, d.owned, d.connected, d.openOrders, d.timers, d.scanAge}
}

// collector turns pipeline.Stats and NATS state into metrics at scrape time.
type collector struct {
	s *Server
	d descs
}

// Describe sends every metric description, whether or not a scrape
// would send a sample of it (the registry refuses a sample of a metric not
// described here).
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.d.all() {
		ch <- d
	}
}

// MetricNames returns, sorted, the name of every metric /metrics exports
// when the server has these Collectors: the monitor's own, the Go runtime's
// and the process's (ordertrack_go_*, ordertrack_process_*), and what each
// collector describes. Dashboards and alert rules may name only these
// (a histogram's series add _bucket, _sum and _count).
func MetricNames(extra ...prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		defer close(ch)
		(&collector{d: newDescs()}).Describe(ch)
		for _, c := range extra {
			c.Describe(ch)
		}
	}()
	var names []string
	for d := range ch {
		names = append(names, descName(d))
	}
	runtime := make(chan *prometheus.Desc)
	go func() {
		defer close(runtime)
		collectors.NewGoCollector().Describe(runtime)
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}).Describe(runtime)
	}()
	for d := range runtime {
		names = append(names, metricPrefix+descName(d))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// descName is the metric name of d, which client_golang shows only in
// d.String() (fqName: "...").
func descName(d *prometheus.Desc) string {
	m := fqName.FindStringSubmatch(d.String())
	if m == nil {
		return ""
	}
	name, _ := strconv.Unquote(m[1])
	return name
}

var fqName = regexp.MustCompile(`fqName: ("(?:[^"\\]|\\.)*")`)

// Collect sends the current value of every metric.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if st := c.s.opts.Stats; st != nil {
		c.collectStats(ch, st)
	}
	c.collectNATS(ch)
	c.collectScan(ch)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, h pipeline.HistogramSnapshot, labels ...string) {
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b] = h.Cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets, labels...)
}

func (c *collector) collectStats(ch chan<- prometheus.Metric, st *pipeline.Stats) {
	for k, v := range st.EventCounts() {
		counter(ch, c.d.events, v, k.Type, k.Outcome)
	}
	counter(ch, c.d.batches, st.Batches.Load())
	counter(ch, c.d.updates, st.Updates.Load())
	br := st.BreachesBySLA()
	wr := st.WarningsBySLA()
	for _, sla := range order.SLAs {
		counter(ch, c.d.breaches, br[sla], string(sla))
		counter(ch, c.d.warnings, wr[sla], string(sla))
	}
	for k, v := range st.SLAOutcomes() {
		counter(ch, c.d.outcomes, v, string(k.SLA), k.Tenant, string(k.Outcome))
	}
	for r, v := range st.DeadLetters() {
		counter(ch, c.d.dead, v, string(r))
	}
	counter(ch, c.d.conflicts, st.Conflicts.Load())
	counter(ch, c.d.redeliveries, st.Redeliveries.Load())
	histogram(ch, c.d.batchSize, st.BatchSize())
	histogram(ch, c.d.batchDuration, st.BatchDuration())
	for src, h := range st.Latency() {
		histogram(ch, c.d.latency, h, src)
	}
	for i, h := range st.StageDurations() {
		histogram(ch, c.d.stages, h, pipeline.Stages[i])
	}
}

// collectNATS asks NATS for every partition's consumer state; it reports
// nothing but the connection state while NATS is unreachable.
func (c *collector) collectNATS(ch chan<- prometheus.Metric) {
	up := c.s.opts.Conn.IsConnected()
	gauge(ch, c.d.connected, b2f(up))
	if !up {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	parts, err := Partitions(ctx, c.s.opts.JS, c.s.opts.Topology)
	if err != nil {
		c.s.log.Debug("metrics: consumer state unavailable", "err", err)
		return
	}
	var owned map[int]bool
	if st := c.s.opts.Stats; st != nil {
		owned = st.Owned()
	}
	for _, p := range parts {
		n := strconv.Itoa(p.Index)
		if owned != nil {
			gauge(ch, c.d.owned, b2f(owned[p.Index]), n)
		}
		for _, k := range []struct {
			kind string
			ci   *jetstream.ConsumerInfo
		}{{"events", p.Events}, {"timers", p.Timers}} {
			if k.ci != nil {
				gauge(ch, c.d.lag, float64(k.ci.NumPending), n, k.kind)
				gauge(ch, c.d.ackPending, float64(k.ci.NumAckPending), n, k.kind)
				gauge(ch, c.d.redelivered, float64(k.ci.NumRedelivered), n, k.kind)
			}
		}
	}
}

func (c *collector) collectScan(ch chan<- prometheus.Metric) {
	if c.s.orders == nil {
		return
	}
	age, ok := c.s.orders.Age()
	if !ok {
		return
	}
	byState, timers := c.s.orders.Counts(context.Background())
	for _, st := range order.OpenStages {
		gauge(ch, c.d.openOrders, float64(byState[st]), string(st))
	}
	for _, sla := range order.SLAs {
		gauge(ch, c.d.timers, float64(timers[sla]), string(sla))
	}
	gauge(ch, c.d.scanAge, age.Seconds())
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
