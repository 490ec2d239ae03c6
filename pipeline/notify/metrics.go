package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts deliveries for /metrics. A nil *Metrics counts nothing.
type Metrics struct {
	deliveries *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	pending    *prometheus.Desc
	inFlight   *prometheus.Desc
	n          *Notifier
}

// NewMetrics returns the notifier's metrics:
// ordertrack_notify_deliveries_total{webhook,result},
// ordertrack_notify_delivery_latency_seconds{webhook} (from the alert
// being stored to its 2xx answer), and at scrape time
// ordertrack_notify_pending{webhook} and ordertrack_notify_in_flight{webhook}.
func NewMetrics() *Metrics {
	return &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordertrack_notify_deliveries_total",
			Help: "Webhook delivery outcomes: delivered, retried (an attempt failed), dead_lettered (notify_failed), skipped (not the webhook's events or match).",
		}, []string{"webhook", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ordertrack_notify_delivery_latency_seconds",
			Help:    "Time from an alert being stored on ORDER_UPDATES to the webhook's 2xx answer, retries included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800},
		}, []string{"webhook"}),
		pending:  prometheus.NewDesc("ordertrack_notify_pending", "Alerts waiting for a webhook, not yet handed to an instance (its consumer's NumPending).", []string{"webhook"}, nil),
		inFlight: prometheus.NewDesc("ordertrack_notify_in_flight", "Alerts handed to an instance and not yet delivered or dead-lettered (its consumer's NumAckPending).", []string{"webhook"}, nil),
	}
}

// Watch makes the scrape report the pending alerts of n's webhooks.
func (m *Metrics) Watch(n *Notifier) { m.n = n }

func (m *Metrics) delivered(webhook, result string, latency time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(webhook, result).Inc()
	if result == ResultDelivered {
		m.latency.WithLabelValues(webhook).Observe(latency.Seconds())
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.deliveries.Describe(ch)
	m.latency.Describe(ch)
	ch <- m.pending
	ch <- m.inFlight
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.deliveries.Collect(ch)
	m.latency.Collect(ch)
	if m.n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, p := range m.n.Pending(ctx) {
		ch <- prometheus.MustNewConstMetric(m.pending, prometheus.GaugeValue, float64(p.Pending), p.Webhook)
		ch <- prometheus.MustNewConstMetric(m.inFlight, prometheus.GaugeValue, float64(p.InFlight), p.Webhook)
	}
}
