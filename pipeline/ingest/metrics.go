package ingest

import "github.com/prometheus/client_golang/prometheus"

// Results of ordertrack_ingest_records_total (SPEC section 16).
const (
	ResultStored       = "stored"
	ResultDeadLettered = "dead_lettered"
	ResultIgnored      = "ignored"
)

// Metrics are the metrics every ingest source shares:
// ordertrack_ingest_records_total{source,result}. Register one on the
// monitor and hand it to every source. A nil *Metrics counts nothing.
type Metrics struct {
	records *prometheus.CounterVec
}

// NewMetrics returns the sources' shared metrics.
func NewMetrics() *Metrics {
	return &Metrics{records: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ordertrack_ingest_records_total",
		Help: "Records (Kafka records, HTTP events) a source took in, by result: stored in ORDER_EVENTS, dead_lettered in ORDER_DLQ, ignored (e.g. a Shopify topic without an event).",
	}, []string{"source", "result"})}
}

// Count adds n records of source with result.
func (m *Metrics) Count(source, result string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.records.WithLabelValues(source, result).Add(float64(n))
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.records.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.records.Collect(ch) }
