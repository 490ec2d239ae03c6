package httpsource

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// requestMetrics is ordertrack_ingest_http_requests_total{endpoint,code}.
type requestMetrics struct {
	requests *prometheus.CounterVec
}

func newRequestMetrics() *requestMetrics {
	return &requestMetrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ordertrack_ingest_http_requests_total",
		Help: "Requests to the HTTP ingest endpoints (endpoint events or shopify) by the status code answered; 401s are failed authentications.",
	}, []string{"endpoint", "code"})}
}

func (m *requestMetrics) count(endpoint string, code int) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
}

// Describe implements prometheus.Collector.
func (m *requestMetrics) Describe(ch chan<- *prometheus.Desc) { m.requests.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *requestMetrics) Collect(ch chan<- prometheus.Metric) { m.requests.Collect(ch) }
