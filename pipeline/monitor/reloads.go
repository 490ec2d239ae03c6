package monitor

import "github.com/prometheus/client_golang/prometheus"

// reloadCollector exports ordertrack_config_reloads_total{result}.
type reloadCollector struct {
	counts func() (applied, rejected uint64)
	desc   *prometheus.Desc
}

// ReloadCollector exports ordertrack_config_reloads_total{result} from
// counts (config.Reloader.Counts).
func ReloadCollector(counts func() (applied, rejected uint64)) prometheus.Collector {
	return &reloadCollector{counts: counts, desc: prometheus.NewDesc("ordertrack_config_reloads_total",
		"Configuration reloads (SIGHUP or file change), by result: applied or rejected.", []string{"result"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *reloadCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *reloadCollector) Collect(ch chan<- prometheus.Metric) {
	applied, rejected := c.counts()
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(applied), "applied")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(rejected), "rejected")
}
